namespace AigneHub.Application.Routing.Fallbacks;

/// <summary>
/// The models one chat call may be served by, in order: the requested model, then its fallbacks (the request's own
/// <c>models</c>, else the operator's rule for the caller's key, else the rule for the model), and the failures that
/// move the call from one model to the next. A fallback outside the caller's model allow-list is left out here, so it
/// is never tried.
/// </summary>
internal sealed class FallbackChain(IOptionsMonitor<FallbackOptions> options)
{
    /// <summary>The most fallback models one call (or one rule) may name.</summary>
    public const int MaxFallbacks = 8;

    private static readonly FallbackTrigger[] DefaultTriggers = [FallbackTrigger.RateLimited, FallbackTrigger.ServerError, FallbackTrigger.Timeout];

    private static readonly FallbackTrigger[] EveryTrigger = Enum.GetValues<FallbackTrigger>();

    /// <summary>The chain of a call with nothing to fall back to (most calls): one shared, read-only answer.</summary>
    private static readonly ResolvedChain NoFallbacks = new([], new HashSet<FallbackTrigger>(DefaultTriggers));

    /// <summary>The chain for a call of <paramref name="model"/> that named <paramref name="requestModels"/> itself.</summary>
    public ResolvedChain Resolve(string model, IReadOnlyList<string> requestModels, Caller? caller)
    {
        var (fallbacks, triggers) = requestModels.Count > 0
            ? (requestModels, EveryTrigger)
            : RuleFor(model, caller?.KeyId) is { } rule
                ? (rule.Models, rule.On.Count > 0 ? [.. rule.On] : DefaultTriggers)
                : ([], DefaultTriggers);

        // Nothing to fall back to (most calls): the shared answer, without the closures of the chain below.
        return fallbacks.Count == 0 && ReferenceEquals(triggers, DefaultTriggers) ? NoFallbacks : Chain(model, fallbacks, triggers, caller);
    }

    private static ResolvedChain Chain(string model, IReadOnlyList<string> fallbacks, IEnumerable<FallbackTrigger> triggers, Caller? caller)
    {
        var models = fallbacks
            .Where(f => !string.Equals(f, model, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(f => new ChainModel(f, caller?.Models is { Count: > 0 } allowList && !ModelPattern.Allows(allowList, f)))
            .ToArray();
        return new ResolvedChain(models, new HashSet<FallbackTrigger>(triggers));
    }

    /// <summary>
    /// The trigger a failure counts as, or null when it is none (an invalid request, a refused caller): content-filter
    /// and context-length refusals are upstream rejections whose reason names them.
    /// </summary>
    public static FallbackTrigger? TriggerOf(Exception failure) => failure switch
    {
        UpstreamException { Kind: ErrorKind.UpstreamRateLimited } => FallbackTrigger.RateLimited,
        UpstreamException { Kind: ErrorKind.UpstreamUnavailable or ErrorKind.UpstreamAuth } => FallbackTrigger.ServerError,
        UpstreamException { Kind: ErrorKind.UpstreamTimeout } => FallbackTrigger.Timeout,
        UpstreamException { Kind: ErrorKind.UpstreamRejected } rejected when UpstreamRefusals.IsContextLength(rejected) => FallbackTrigger.ContextLength,
        UpstreamException { Kind: ErrorKind.UpstreamRejected } rejected when UpstreamRefusals.IsContentFilter(rejected) => FallbackTrigger.ContentFilter,
        _ => null,
    };

    private FallbackRule? RuleFor(string model, string? keyId)
    {
        // No rules (the default): answered without the closures of the look-up.
        var rules = options.CurrentValue.Fallbacks;
        return rules.Count == 0 ? null : RuleFor(rules, model, keyId);
    }

    private static FallbackRule? RuleFor(List<FallbackRule> rules, string model, string? keyId)
    {
        bool ForModel(FallbackRule rule) => string.Equals(rule.Model, model, StringComparison.OrdinalIgnoreCase);
        return (keyId is null ? null : rules.FirstOrDefault(r => r.KeyId == keyId && ForModel(r))
                ?? rules.FirstOrDefault(r => r.KeyId == keyId && r.Model is null))
            ?? rules.FirstOrDefault(r => r.KeyId is null && ForModel(r));
    }
}

/// <summary>The fallback models in order, and the failures that move a call on to the next.</summary>
internal sealed record ResolvedChain(IReadOnlyList<ChainModel> Models, IReadOnlySet<FallbackTrigger> Triggers);

/// <summary>A fallback model; one outside the caller's model allow-list is <see cref="NotAllowed"/> and never tried.</summary>
internal sealed record ChainModel(string Model, bool NotAllowed);

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
