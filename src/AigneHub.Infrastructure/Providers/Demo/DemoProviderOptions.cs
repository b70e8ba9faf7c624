namespace AigneHub.Infrastructure.Providers.Demo;

/// <summary>The built-in demo provider (section "Providers:Demo"). Not an AI model: it echoes.</summary>
public sealed class DemoProviderOptions
{
    public const string Section = "Providers:Demo";

    /// <summary>On or off; when unset it is on exactly when the hub runs on its embedded database.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Pause between streamed words, so streaming is visible in a terminal.</summary>
    [Range(0, 10_000)]
    public int WordDelayMs { get; set; } = 20;
}
