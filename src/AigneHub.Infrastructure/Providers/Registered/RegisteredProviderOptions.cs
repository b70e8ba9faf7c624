namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>How the call path follows provider changes made through the admin API (section "Providers:Registry").</summary>
public sealed class RegisteredProviderOptions
{
    public const string Section = "Providers:Registry";

    /// <summary>How often this instance looks for changes to the provider streams (its own or another instance's).</summary>
    [Range(100, 60_000)]
    public int RefreshIntervalMs { get; set; } = 2_000;
}
