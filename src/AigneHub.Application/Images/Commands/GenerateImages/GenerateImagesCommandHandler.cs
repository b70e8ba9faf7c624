using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Routing;
using AigneHub.Application.Images.Common;
using AigneHub.Domain.Usage;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AigneHub.Application.Images.Commands.GenerateImages;

internal sealed class GenerateImagesCommandHandler(
    ModelRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    IImageStore store,
    TimeProvider time,
    ILogger<GenerateImagesCommandHandler> logger)
    : ICommandHandler<GenerateImagesCommand, GeneratedImages>
{
    public async ValueTask<GeneratedImages> Handle(GenerateImagesCommand command, CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, command.RequestId, CallType.Image, streamed: false, callers.Current);
        var resolved = router.RouteRecordingFailure(command.Model, static (c, name) => c.ResolveImages(name), meter, recorder, cancellationToken, "image generation");
        var (hold, route) = await billing.HoldAsync(resolved, static p => p.Name, CallType.Image, [command.Prompt], command.N, command.Model, meter, recorder, cancellationToken);
        var request = new ProviderImageRequest(route.Name.Model, command.Prompt, command.N, command.Size, command.Quality, command.Style, command.User);

        decimal? charged = null;
        var result = await ProviderFailover.RunAsync(
            route,
            static p => p.Name,
            p => p.GenerateAsync(request, cancellationToken),
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

        if (command.Delivery == ImageDelivery.Base64)
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
