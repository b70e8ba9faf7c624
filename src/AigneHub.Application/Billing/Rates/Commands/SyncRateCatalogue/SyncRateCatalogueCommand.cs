namespace AigneHub.Application.Billing.Rates.Commands.SyncRateCatalogue;

/// <summary>
/// Prices every model of the catalogue from its unit costs with the current margin and base credit price. Only actual
/// changes become new rate versions; rates an operator set by hand (source "admin") are left alone. A dry run reports
/// the changes without writing them.
/// </summary>
public sealed record SyncRateCatalogueCommand(bool DryRun, string Actor) : ICommand<RateSyncReport>, IAuditedCommand
{
    public string AuditTarget => "rates";
}

/// <param name="Skipped">Catalogue models whose rate an operator set by hand.</param>
public sealed record RateSyncReport(bool DryRun, string Source, IReadOnlyList<RateChangeView> Changes, int Unchanged, IReadOnlyList<string> Skipped);
