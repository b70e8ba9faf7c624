using AigneHub.Application.ModelCalls;
using AigneHub.Application.Images;

namespace AigneHub.Application.Images.Commands.GenerateImages;

/// <summary>Generate images from a prompt.</summary>
/// <param name="RequestId">The edge's request id: it ties the call record to logs and to the client's x-request-id.</param>
/// <param name="Model">"provider/model" or a bare model name.</param>
/// <param name="N">How many images, 1 to 10.</param>
/// <param name="ResponseFormat">OpenAI's response_format: "b64_json" or "url" (the hub then serves its own copy).</param>
public sealed record GenerateImagesCommand(
    string RequestId,
    string Model,
    string Prompt,
    int N,
    string? Size,
    string? Quality,
    string? Style,
    string ResponseFormat,
    string? User) : ICommand<GeneratedImages>, IModelCall
{
    public const string Base64Format = "b64_json";
    public const string UrlFormat = "url";

    public ImageDelivery Delivery => ResponseFormat == UrlFormat ? ImageDelivery.Url : ImageDelivery.Base64;

    /// <summary>
    /// The prompt's tokens: an image call counts as one request whatever its n, and as the tokens its provider
    /// reports (image models that bill by token report the images' output tokens) once it ends.
    /// </summary>
    public int EstimateTokens() => Math.Max(1, PromptTokenEstimate.Of([Prompt]));
}
