namespace AigneHub.Application.Routing.Fallbacks;

/// <summary>
/// The operator's model fallback chains (<c>Routing:Fallbacks</c>): when every provider of a chat call's model failed
/// in a way a rule names, the call moves on to the rule's next model, before the first streamed byte only.
/// </summary>
public sealed class FallbackOptions
{
    public const string Section = "Routing";

    /// <summary>The rules, looked up per call: a rule for the caller's key wins over a rule for the model alone.</summary>
    public List<FallbackRule> Fallbacks { get; set; } = [];

    public const string ValidationMessage =
        "Routing:Fallbacks: every rule names a Model (\"provider/model\" or a bare name) or a KeyId, and 1 to 8 valid fallback Models.";

    /// <summary>Whether every rule can be applied: something to match, and fallbacks that are model names.</summary>
    public static bool AreValid(FallbackOptions options) => options.Fallbacks.All(rule =>
        (rule.Model is not null || rule.KeyId is not null)
        && (rule.Model is null || ModelName.TryParse(rule.Model, out _))
        && rule.Models.Count is > 0 and <= FallbackChain.MaxFallbacks
        && rule.Models.All(m => ModelName.TryParse(m, out _)));
}

/// <summary>One chain: for <see cref="Model"/> (and only for calls made with <see cref="KeyId"/> when given), try <see cref="Models"/> in order.</summary>
public sealed class FallbackRule
{
    /// <summary>The model as callers name it (<c>openai/gpt-4o</c>); null with a <see cref="KeyId"/> for every model that key calls.</summary>
    public string? Model { get; set; }

    /// <summary>The access key's id the rule is for; null for every caller.</summary>
    public string? KeyId { get; set; }

    /// <summary>The fallback models, in the order they are tried (possibly on other providers).</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>The failures that move a call on; empty means rate limits, server errors and timeouts.</summary>
    public List<FallbackTrigger> On { get; set; } = [];
}

/// <summary>A kind of failure that may move a call on to its next model.</summary>
public enum FallbackTrigger
{
    /// <summary>The provider rate-limited the call (429).</summary>
    RateLimited,

    /// <summary>The provider failed or could not be reached (5xx, connection errors, a refused credential).</summary>
    ServerError,

    /// <summary>The provider did not answer within its adapter's timeout.</summary>
    Timeout,

    /// <summary>The provider refused the prompt under its content policy.</summary>
    ContentFilter,

    /// <summary>The prompt was longer than the model's context window.</summary>
    ContextLength,
}
