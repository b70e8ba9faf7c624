namespace AigneHub.Infrastructure.Access;

/// <summary>Hub access keys on the call path and the first owner (section "Access").</summary>
public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>The environment variable (also read as a configuration key) that seeds a known owner key.</summary>
    public const string BootstrapKeyVariable = "AIGNEHUB_BOOTSTRAP_ADMIN_KEY";

    /// <summary>
    /// How often this instance looks for key and user changes made anywhere (revokes, rotations, role changes): the
    /// longest a revoked key keeps working on another instance.
    /// </summary>
    [Range(100, 60_000)]
    public int KeyCacheRefreshMs { get; set; } = 1_000;

    /// <summary>How often the last-used times of keys are written (batched, off the call path).</summary>
    [Range(1, 3_600)]
    public int LastUsedFlushSeconds { get; set; } = 10;

    /// <summary>
    /// A known owner key (<c>ahk_&lt;16 hex&gt;_&lt;43+ base64url&gt;</c>) to seed when the hub has no such key: for
    /// automation and tests. Also read from AIGNEHUB_BOOTSTRAP_ADMIN_KEY.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }
}
