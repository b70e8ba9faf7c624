using AigneHub.Application.ModelCalls;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Images;

namespace AigneHub.Application.Images.Commands.EditImages;

/// <summary>Edit one or more images following a prompt (OpenAI's <c>/images/edits</c>), optionally only where a mask allows.</summary>
/// <param name="RequestId">The edge's request id: it ties the call record to logs and to the client's x-request-id.</param>
/// <param name="Model">"provider/model" or a bare model name, of a model whose provider can edit images.</param>
/// <param name="Images">The images to edit, in order (at least one).</param>
/// <param name="ResponseFormat">"b64_json" or "url" (the hub then serves its own copy).</param>
public sealed record EditImagesCommand(
    string RequestId,
    string Model,
    IReadOnlyList<InputImage> Images,
    InputImage? Mask,
    string Prompt,
    int N,
    string? Size,
    string? Quality,
    string ResponseFormat,
    string? User) : ICommand<GeneratedImages>, IModelCall
{
    public ImageDelivery Delivery => ResponseFormat == GenerateImagesCommand.UrlFormat ? ImageDelivery.Url : ImageDelivery.Base64;

    /// <summary>The prompt's tokens, as for generation (the input images are counted by the provider's report).</summary>
    public int EstimateTokens() => Math.Max(1, PromptTokenEstimate.Of([Prompt]));
}
