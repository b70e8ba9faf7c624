using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Routing;
using AigneHub.Application.Embeddings.Common;
using AigneHub.Domain.Usage;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AigneHub.Application.Embeddings.Commands.CreateEmbeddings;

internal sealed class CreateEmbeddingsCommandHandler(
    ModelRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    TimeProvider time,
    ILogger<CreateEmbeddingsCommandHandler> logger)
    : ICommandHandler<CreateEmbeddingsCommand, EmbeddingResult>
{
    public async ValueTask<EmbeddingResult> Handle(CreateEmbeddingsCommand command, CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, command.RequestId, CallType.Embedding, streamed: false, callers.Current);
        var resolved = router.RouteRecordingFailure(command.Model, static (c, name) => c.ResolveEmbeddings(name), meter, recorder, cancellationToken, "embeddings");
        var (hold, route) = await billing.HoldAsync(resolved, static p => p.Name, CallType.Embedding, command.Inputs, 0, command.Model, meter, recorder, cancellationToken);
        var request = new ProviderEmbeddingRequest(route.Name.Model, command.Inputs, command.Dimensions, command.User);

        decimal? charged = null;
        var result = await ProviderFailover.RunAsync(
            route,
            static p => p.Name,
            p => p.EmbedAsync(request, cancellationToken),
            result => meter.Succeeded(result.Usage),
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

        return charged is { } credits
            ? result with { CreditsCharged = credits, CreditPrefix = await billing.CreditPrefixAsync(cancellationToken) }
            : result;
    }
}
