using AigneHub.Application.ModelCalls;
using AigneHub.Application.Embeddings;

namespace AigneHub.Application.Embeddings.Commands.CreateEmbeddings;

internal sealed class CreateEmbeddingsCommandHandler(InferenceCalls calls)
    : ICommandHandler<CreateEmbeddingsCommand, EmbeddingResult>
{
    public async ValueTask<EmbeddingResult> Handle(CreateEmbeddingsCommand command, CancellationToken cancellationToken)
    {
        using var call = await calls.StartMediaAsync(
            new MediaCall(command.RequestId, CallType.Embedding, command.Model, command.Inputs),
            static (catalog, name) => catalog.ResolveEmbeddings(name),
            "embeddings",
            cancellationToken);
        var answer = await call.RunAsync(
            (provider, route, ct) => provider.EmbedAsync(new ProviderEmbeddingRequest(route.Name.Model, command.Inputs, command.Dimensions, command.User), ct),
            static result => result.Usage);
        return answer.CreditsCharged is { } credits
            ? answer.Value with { CreditsCharged = credits, CreditPrefix = answer.CreditPrefix }
            : answer.Value;
    }
}
