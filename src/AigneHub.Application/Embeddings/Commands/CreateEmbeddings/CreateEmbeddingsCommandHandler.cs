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
    ICallRecorder recorder,
    ICallerContext callers,
    TimeProvider time,
    ILogger<CreateEmbeddingsCommandHandler> logger)
    : ICommandHandler<CreateEmbeddingsCommand, EmbeddingResult>
{
    public async ValueTask<EmbeddingResult> Handle(CreateEmbeddingsCommand command, CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, command.RequestId, CallType.Embedding, streamed: false, callers.Current);
        var route = router.RouteRecordingFailure(command.Model, static (c, name) => c.ResolveEmbeddings(name), meter, recorder, cancellationToken, "embeddings");
        var request = new ProviderEmbeddingRequest(route.Name.Model, command.Inputs, command.Dimensions, command.User);

        return await ProviderFailover.RunAsync(
            route,
            static p => p.Name,
            p => p.EmbedAsync(request, cancellationToken),
            result => meter.Succeeded(result.Usage),
            meter,
            recorder,
            logger,
            cancellationToken);
    }
}
