namespace AigneHub.Infrastructure.Billing;

/// <summary>Where the rate sync reads unit costs (section "Billing:Catalogue").</summary>
public sealed class RateCatalogueOptions
{
    public const string Section = "Billing:Catalogue";

    /// <summary>A file path or an http(s) URL of a catalogue in the hub's format; empty = the catalogue the hub ships.</summary>
    public string? Source { get; set; }

    public int TimeoutSeconds { get; set; } = 30;
}
