using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;
using Mediator;

namespace AigneHub.Application.Chat.Commands.StreamChatCompletion;

/// <summary>Answer a conversation as a stream of updates.</summary>
public sealed record StreamChatCompletionCommand(
    string RequestId,
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    ChatSettings Settings) : IStreamCommand<ChatCompletionUpdate>, IChatRequest;
