using AigneHub.Application.ModelCalls;
using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat.Commands.StreamChatCompletion;

/// <summary>
/// Answer a conversation as a stream of updates. With <paramref name="WithReceipt"/>, a charged call's stream ends with
/// one more update, a receipt (<see cref="ChatCompletionUpdate.IsReceipt"/>) carrying the credits charged, for
/// surfaces that report them (the AIGNE route's final usage).
/// </summary>
public sealed record StreamChatCompletionCommand(
    string RequestId,
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    ChatSettings Settings,
    bool WithReceipt = false) : IStreamCommand<ChatCompletionUpdate>, IChatRequest, IModelCall
{
    public IReadOnlyList<string> FallbackModels { get; init; } = [];

    public int EstimateTokens() => PromptTokenEstimate.OfChatCall(Messages, Settings);
}
