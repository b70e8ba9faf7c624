using AigneHub.Application.ModelCalls;

namespace AigneHub.Application.Chat.Commands.CreateChatCompletion;

/// <summary>Answers a chat call through one <see cref="InferenceCall{TProvider}"/>: its n choices are one attempt (<see cref="ChoiceFanOut"/>).</summary>
internal sealed class CreateChatCompletionCommandHandler(InferenceCalls calls)
    : ICommandHandler<CreateChatCompletionCommand, ChatCompletion>
{
    public async ValueTask<ChatCompletion> Handle(CreateChatCompletionCommand command, CancellationToken cancellationToken)
    {
        using var call = await calls.StartChatAsync(command, streamed: false, cancellationToken);
        var answer = await call.RunAsync(
            (provider, route, ct) => ChoiceFanOut.CompleteAsync(provider, route.RequestFor(command), command.Settings.N ?? 1, ct),
            static completion => completion.Usage);
        return answer.CreditsCharged is { } charged
            ? answer.Value with { CreditsCharged = charged, CreditPrefix = answer.CreditPrefix }
            : answer.Value;
    }
}
