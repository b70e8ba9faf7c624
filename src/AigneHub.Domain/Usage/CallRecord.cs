namespace AigneHub.Domain.Usage;

/// <summary>
/// What one call did and cost: written for every call, successful or not. Stored as a document; the id is a
/// time-ordered UUID so the newest records sort last.
/// </summary>
public sealed record CallRecord
{
    public required Guid Id { get; init; }

    public required string RequestId { get; init; }

    public required string Provider { get; init; }

    /// <summary>The model id as the provider knows it (without the provider prefix).</summary>
    public required string Model { get; init; }

    public required CallType CallType { get; init; }

    public required bool Streamed { get; init; }

    public required int PromptTokens { get; init; }

    public required int CompletionTokens { get; init; }

    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Images generated (image calls); zero for other calls.</summary>
    public int Images { get; init; }

    /// <summary>Time from the hub receiving the call to the first byte of the answer; null when none was produced.</summary>
    public double? TtfbMs { get; init; }

    public required double LatencyMs { get; init; }

    public required CallStatus Status { get; init; }

    public required ErrorKind ErrorKind { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The user whose account the call was made for; null when nobody was authenticated.</summary>
    public string? UserId { get; init; }

    /// <summary>Credits charged to the user's account (credits mode); null when nothing was charged.</summary>
    public decimal? CreditsCharged { get; init; }

    /// <summary>What the provider charges for the call, from the rate's unit costs; null when the model has no unit costs.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>The rate that priced the call and its version.</summary>
    public string? RateId { get; init; }

    public int? RateVersion { get; init; }

    /// <summary>The calling app: the client's <c>x-aigne-hub-client-did</c>, else the access key's app; null when unknown.</summary>
    public string? AppId { get; init; }

    /// <summary>The access key's id (never its secret); null for callers without a key (OIDC tokens, anonymous).</summary>
    public string? KeyId { get; init; }

    /// <summary>The provider credential that served the call; null when no provider was reached.</summary>
    public string? CredentialId { get; init; }

    /// <summary>Prompt tokens the provider read from its cache (part of <see cref="PromptTokens"/>).</summary>
    public int CachedTokens { get; init; }

    /// <summary>Time from sending the upstream request to the provider's first byte; null when none arrived.</summary>
    public double? ProviderTtfbMs { get; init; }

    /// <summary>The W3C trace id of the call's activity, to find its trace; null when tracing was off.</summary>
    public string? TraceId { get; init; }

    /// <summary>
    /// The end user the caller named for the call (OpenAI's <c>user</c>, else its <c>safety_identifier</c>): the
    /// caller's own id for a person of theirs, not a hub user; null when it named none.
    /// </summary>
    public string? EndUser { get; init; }

    /// <summary>The caller's key-value tags for the call (OpenAI's <c>metadata</c>); null when it gave none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>What the response cache did for the call; null when the cache was not in play (off for the call).</summary>
    public CacheOutcome? Cache { get; init; }

    /// <summary>
    /// For a cache hit: the credits the original call cost at the cited rate version, less what the hit was charged
    /// (credits mode); null otherwise.
    /// </summary>
    public decimal? CacheSavedCredits { get; init; }

    /// <summary>For a cache hit: what the provider would have charged in US dollars for the same usage; null otherwise.</summary>
    public decimal? CacheSavedUsd { get; init; }

    /// <summary>
    /// The models of the call's fallback chain that came before the one that served it (or before its last failure),
    /// in order, each with why it was passed over; null when the call's own model was the only one tried (so records
    /// without a fallback keep value equality).
    /// </summary>
    public IReadOnlyList<ModelSkip>? SkippedModels { get; init; }

    /// <summary>The team of the calling key (a team key); null for any other caller.</summary>
    public string? TeamId { get; init; }
}
