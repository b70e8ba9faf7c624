using AigneHub.Application.ModelCalls;
using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat.Commands.CreateChatCompletion;

/// <summary>Answer a conversation in one piece.</summary>
/// <param name="RequestId">The edge's request id: it ties the call record to logs and to the client's x-request-id.</param>
public sealed record CreateChatCompletionCommand(
    string RequestId,
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    ChatSettings Settings) : ICommand<ChatCompletion>, IChatRequest, IModelCall
{
    public IReadOnlyList<string> FallbackModels { get; init; } = [];

    public int EstimateTokens() => PromptTokenEstimate.OfChatCall(Messages, Settings);
}
