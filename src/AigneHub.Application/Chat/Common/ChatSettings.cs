namespace AigneHub.Application.Chat.Common;

/// <summary>Sampling and length settings of a chat call; null means "the provider's default".</summary>
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
}
