using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Caching;

/// <summary>The exact-match response cache ("Cache" section; docs/configuration.md).</summary>
public sealed class ResponseCacheOptions
{
    public const string Section = "Cache";

    /// <summary>Whether the hub honours cache requests at all; off, every call goes upstream whatever it asks.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// What a request without an <c>x-aignehub-cache</c> header does: <c>off</c> (the default: only requests that ask
    /// use the cache) or <c>deterministic</c> (every deterministic request uses it, unless it says bypass).
    /// </summary>
    [RegularExpression("^(off|deterministic)$")]
    public string DefaultMode { get; set; } = "off";

    /// <summary>
    /// Who shares answers: <c>user</c> (the default: a caller only ever reads its own user's answers), <c>app</c>
    /// (callers whose keys are bound to the same app share; callers without an app fall back to their user) or
    /// <c>hub</c> (every caller shares).
    /// </summary>
    [RegularExpression("^(user|app|hub)$")]
    public string Scope { get; set; } = "user";

    /// <summary>How long an answer is kept when the request names no TTL.</summary>
    [Range(1, int.MaxValue)]
    public int TtlSeconds { get; set; } = 3600;

    /// <summary>The longest TTL a request may ask for (a longer one is lowered to this).</summary>
    [Range(1, int.MaxValue)]
    public int MaxTtlSeconds { get; set; } = 86_400;

    /// <summary>Answers larger than this (serialized) are not stored.</summary>
    [Range(1, int.MaxValue)]
    public int MaxEntryBytes { get; set; } = 1024 * 1024;

    /// <summary>The size bound of each instance's in-memory front, in bytes of serialized answers.</summary>
    [Range(1, long.MaxValue)]
    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long an instance serves an answer from its memory before reading the shared table again: the most an admin
    /// purge on another instance can take to reach this one.
    /// </summary>
    [Range(0, 3600)]
    public int MemorySeconds { get; set; } = 10;

    /// <summary>The fraction of the original's cost (at the current rate version) a hit is charged in credits mode; 0 to 1.</summary>
    [Range(typeof(decimal), "0", "1")]
    public decimal HitChargeFraction { get; set; }

    /// <summary>
    /// Whether this instance's Hangfire server works on the cache queue, where the recurring job that deletes expired
    /// answers from the shared table (every 10 minutes) runs; the job stays defined for the cluster either way.
    /// </summary>
    public bool PruneEnabled { get; set; } = true;
}
