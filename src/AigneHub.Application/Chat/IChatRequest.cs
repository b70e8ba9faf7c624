using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat;

/// <summary>What unary and streamed chat commands have in common, so one validator covers both.</summary>
public interface IChatRequest
{
    string RequestId { get; }

    string Model { get; }

    IReadOnlyList<ChatMessage> Messages { get; }

    ChatSettings Settings { get; }

    /// <summary>The request's own fallback models (OpenRouter's <c>models</c>), tried in order after <see cref="Model"/>; empty when it named none.</summary>
    IReadOnlyList<string> FallbackModels { get; }
}
