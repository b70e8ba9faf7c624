using System.ComponentModel.DataAnnotations;

namespace AigneHub.Infrastructure.Access;

/// <summary>Default per-key and per-user limits on model calls (section "RateLimits"); 0 means no limit.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Every key's limits unless the key has its own (requests_per_minute / tokens_per_minute on the key).</summary>
    [Required]
    public RateLimitPair Key { get; set; } = new();

    /// <summary>Every user's limits, across all their keys and tokens.</summary>
    [Required]
    public RateLimitPair User { get; set; } = new();
}

public sealed class RateLimitPair
{
    [Range(0, int.MaxValue)]
    public int RequestsPerMinute { get; set; }

    [Range(0, int.MaxValue)]
    public int TokensPerMinute { get; set; }
}
