using AigneHub.Application.ModelCalls;

namespace AigneHub.Application.Images;

/// <summary>
/// One image call, generation or edit: an <see cref="InferenceCall{TProvider}"/> (hold for the images asked for at the
/// per-image rate plus the prompt, failover, settle, record), then the images delivered as the caller asked (bytes, or
/// links to the hub's stored copies).
/// </summary>
internal sealed partial class ImageCalls(InferenceCalls calls, IImageStore store, ILogger<ImageCalls> logger)
{
    /// <param name="resolve">The providers that can take this kind of image call for a model (may refuse with a HubException).</param>
    /// <param name="call">One provider's attempt, given the model id as that provider knows it.</param>
    /// <param name="offering">What the call needs of a provider ("image generation"), for the refusal when none serves it.</param>
    public async Task<GeneratedImages> RunAsync<TProvider>(
        ImageCall request,
        Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve,
        Func<TProvider, string, CancellationToken, Task<Served<ImageGenerationResult>>> call,
        string offering,
        CancellationToken cancellationToken)
        where TProvider : IProvider
    {
        ChargedAnswer<ImageGenerationResult> answer;
        using (var inference = await calls.StartMediaAsync(new MediaCall(request.RequestId, CallType.Image, request.Model, [request.Prompt], request.N, request.InputImages), resolve, offering, cancellationToken))
        {
            answer = await inference.RunAsync(
                (provider, route, ct) => call(provider, route.Name.Model, ct),
                static generated => generated.Usage,
                static generated => generated.Images.Count);
        }

        var (result, charged, prefix) = answer;
        if (request.Delivery == ImageDelivery.Base64)
        {
            return new GeneratedImages(
                result.Model,
                result.Created,
                result.Images.Select(i => new DeliveredImage(i.Content, null, i.Content is null ? i.Url : null, i.RevisedPrompt)).ToArray(),
                result.Usage,
                ExpiresAt: null,
                charged,
                prefix);
        }

        // The provider was paid for the images: store them even if the caller has gone, so a retry is not needed.
        var delivered = new List<DeliveredImage>(result.Images.Count);
        DateTimeOffset? expiresAt = null;
        foreach (var image in result.Images)
        {
            if (image.Content is null)
            {
                delivered.Add(new DeliveredImage(null, null, image.Url, image.RevisedPrompt));
                continue;
            }

            StoredImageReference stored;
            try
            {
                stored = await store.SaveAsync(image.Content, image.MediaType, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The call is charged already: an error now would leave the caller paying for nothing. The image goes
                // back in the answer itself (b64_json), as a caller that asked for base64 gets it.
                LogStoreFailed(logger, ex, request.RequestId);
                delivered.Add(new DeliveredImage(image.Content, null, null, image.RevisedPrompt));
                continue;
            }

            expiresAt = expiresAt is { } earliest && earliest < stored.ExpiresAt ? earliest : stored.ExpiresAt;
            delivered.Add(new DeliveredImage(null, stored.Id, null, image.RevisedPrompt));
        }

        return new GeneratedImages(result.Model, result.Created, delivered, result.Usage, expiresAt, charged, prefix);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: an image could not be stored for a link; it is answered inline (b64_json) instead")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string requestId);
}

/// <summary>What every image call has: who asked (the request id), the model, the prompt, how many images, how delivered.</summary>
/// <param name="InputImages">The images (and mask) an edit sends the provider, which it counts as input tokens.</param>
internal sealed record ImageCall(string RequestId, string Model, string Prompt, int N, ImageDelivery Delivery, int InputImages = 0);
