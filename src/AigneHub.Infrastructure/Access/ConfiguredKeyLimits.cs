namespace AigneHub.Infrastructure.Access;

/// <summary>The configured limits of a key without its own (RateLimits:Key); 0 there means no limit.</summary>
internal sealed class ConfiguredKeyLimits(IOptions<RateLimitOptions> options) : IKeyLimitDefaults
{
    public KeyLimits Key => new(LimitOrNone(options.Value.Key.RequestsPerMinute), LimitOrNone(options.Value.Key.TokensPerMinute));

    private static int? LimitOrNone(int perMinute) => perMinute > 0 ? perMinute : null;
}
