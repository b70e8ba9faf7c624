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
            UsageOf);
        return answer.CreditsCharged is { } charged
            ? answer.Value with { CreditsCharged = charged, CreditPrefix = answer.CreditPrefix }
            : answer.Value;
    }

    /// <summary>
    /// The provider's usage report; without one (an OpenAI-compatible server that reports none), the answer's text at
    /// one token per four characters, so the output is not free (the prompt is charged at its bound: <see cref="ChatBilling.SettleAsync"/>).
    /// </summary>
    internal static TokenUsage UsageOf(ChatCompletion completion) =>
        completion.Usage is { PromptTokens: 0, CompletionTokens: 0 }
            ? new TokenUsage(0, completion.Choices.Sum(c => PromptTokenEstimate.Of(Texts(c))))
            : completion.Usage;

    private static IEnumerable<string> Texts(ChatChoice choice)
    {
        yield return choice.Content ?? string.Empty;
        foreach (var call in choice.ToolCalls ?? [])
        {
            yield return call.Name;
            yield return call.Arguments;
        }
    }
}
