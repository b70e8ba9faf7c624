using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Routing;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Logging;

namespace AigneHub.Application.Images.Common;

/// <summary>
/// One image call, generation or edit, start to end: route, hold (the images asked for at the per-image rate plus the
/// prompt), call the providers in order with failover, settle, and deliver the images as the caller asked (bytes,
/// or links to the hub's stored copies).
/// </summary>
internal sealed class ImageCalls(
    ModelRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    IImageStore store,
    TimeProvider time,
    ILogger<ImageCalls> logger)
{
    /// <param name="resolve">The providers that can take this kind of image call for a model (may refuse with a HubException).</param>
    /// <param name="call">One provider's attempt, given the model id as that provider knows it.</param>
    /// <param name="offering">What the call needs of a provider ("image generation"), for the refusal when none serves it.</param>
    public async Task<GeneratedImages> RunAsync<TProvider>(
        ImageCall request,
        Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve,
        Func<TProvider, string> nameOf,
        Func<TProvider, string, CancellationToken, Task<ImageGenerationResult>> call,
        string offering,
        CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, request.RequestId, CallType.Image, streamed: false, callers.Current);
        var resolved = router.RouteRecordingFailure(request.Model, resolve, meter, recorder, cancellationToken, offering);
        var (hold, route) = await billing.HoldAsync(resolved, nameOf, CallType.Image, [request.Prompt], request.N, request.Model, meter, recorder, cancellationToken);

        decimal? charged = null;
        var result = await ProviderFailover.RunAsync(
            route,
            nameOf,
            p => call(p, route.Name.Model, cancellationToken),
            generated => meter.Succeeded(generated.Usage, generated.Images.Count),
            meter,
            recorder,
            logger,
            cancellationToken,
            async record =>
            {
                var settled = await billing.SettleAsync(hold, record, new TokenUsage(record.PromptTokens, record.CompletionTokens, record.CachedTokens));
                charged = settled.CreditsCharged;
                return settled;
            });
        var prefix = charged is null ? null : await billing.CreditPrefixAsync(cancellationToken);

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

            var stored = await store.SaveAsync(image.Content, image.MediaType, CancellationToken.None);
            expiresAt = expiresAt is { } earliest && earliest < stored.ExpiresAt ? earliest : stored.ExpiresAt;
            delivered.Add(new DeliveredImage(null, stored.Id, null, image.RevisedPrompt));
        }

        return new GeneratedImages(result.Model, result.Created, delivered, result.Usage, expiresAt, charged, prefix);
    }
}

/// <summary>What every image call has: who asked (the request id), the model, the prompt, how many images, how delivered.</summary>
internal sealed record ImageCall(string RequestId, string Model, string Prompt, int N, ImageDelivery Delivery);
