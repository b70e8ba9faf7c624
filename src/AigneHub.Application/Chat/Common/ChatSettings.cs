using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat.Common;

/// <summary>Everything a chat call asks for besides the model and the messages; null means "the provider's default".</summary>
public sealed record ChatSettings
{
    public static readonly ChatSettings Default = new();

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    /// <summary>Upper bound on generated tokens (OpenAI's max_tokens or max_completion_tokens).</summary>
    public int? MaxTokens { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public int? N { get; init; }

    public long? Seed { get; init; }

    public string? User { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    /// <summary>Functions the model may call; null when the call offers none.</summary>
    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    public ToolChoice? ToolChoice { get; init; }

    /// <summary>Whether the model may ask for several calls in one answer (OpenAI's parallel_tool_calls).</summary>
    public bool? ParallelToolCalls { get; init; }

    /// <summary>Text (null), JSON mode, or JSON following a schema.</summary>
    public ResponseFormat? ResponseFormat { get; init; }
}
