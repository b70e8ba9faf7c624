using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat;

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

    /// <summary>How hard a reasoning model thinks (OpenAI's reasoning_effort: none, minimal, low, medium, high, xhigh).</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>How long the answer should be (OpenAI's verbosity: low, medium, high).</summary>
    public string? Verbosity { get; init; }

    /// <summary>The upstream's processing tier (OpenAI's service_tier).</summary>
    public string? ServiceTier { get; init; }

    /// <summary>Whether the answer carries the log probabilities of its tokens.</summary>
    public bool? Logprobs { get; init; }

    /// <summary>How many alternatives per token position the log probabilities list (with <see cref="Logprobs"/>).</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>Token id → bias (-100 to 100); null when the call sets none.</summary>
    public IReadOnlyDictionary<string, double>? LogitBias { get; init; }

    /// <summary>Whether the upstream may store the answer (OpenAI's store).</summary>
    public bool? Store { get; init; }

    /// <summary>The caller's key-value tags for the call (OpenAI's metadata); kept on the call record.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>OpenAI's prediction object as JSON text (predicted output, a latency hint).</summary>
    public string? PredictionJson { get; init; }

    /// <summary>The output types asked for; only ["text"] passes validation.</summary>
    public IReadOnlyList<string>? Modalities { get; init; }

    /// <summary>OpenAI's audio output parameters as JSON text; refused by validation (the hub answers text only).</summary>
    public string? AudioJson { get; init; }

    /// <summary>OpenAI's web_search_options as JSON text.</summary>
    public string? WebSearchOptionsJson { get; init; }

    /// <summary>The upstream's prompt-cache bucketing hint (OpenAI's prompt_cache_key).</summary>
    public string? PromptCacheKey { get; init; }

    /// <summary>How long the upstream keeps the prompt cache (OpenAI's prompt_cache_retention).</summary>
    public string? PromptCacheRetention { get; init; }

    /// <summary>A stable id of the end user for the upstream's abuse detection (OpenAI's safety_identifier).</summary>
    public string? SafetyIdentifier { get; init; }
}
