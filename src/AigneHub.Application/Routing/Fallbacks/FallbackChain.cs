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

    /// <summary>The chain for a call of <paramref name="model"/> that named <paramref name="requestModels"/> itself.</summary>
    public ResolvedChain Resolve(string model, IReadOnlyList<string> requestModels, Caller? caller)
    {
        var (fallbacks, triggers) = requestModels.Count > 0
            ? (requestModels, EveryTrigger)
            : RuleFor(model, caller?.KeyId) is { } rule
                ? (rule.Models, rule.On.Count > 0 ? [.. rule.On] : DefaultTriggers)
                : ([], DefaultTriggers);

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
        var rules = options.CurrentValue.Fallbacks;
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
