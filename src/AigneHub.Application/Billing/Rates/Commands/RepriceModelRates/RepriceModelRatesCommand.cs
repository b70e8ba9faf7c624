namespace AigneHub.Application.Billing.Rates.Commands.RepriceModelRates;

/// <summary>
/// Re-prices every rate that has unit costs from a new margin and/or base credit price (null keeps the current one).
/// A dry run only reports the changes; otherwise the settings change (at <paramref name="ExpectedSettingsVersion"/>)
/// and each changed rate gets a new version.
/// </summary>
public sealed record RepriceModelRatesCommand(
    decimal? ProfitMarginPercent, decimal? BaseCreditPrice, bool DryRun, int ExpectedSettingsVersion, string Actor) : ICommand<RepriceReport>, IAuditedCommand
{
    public string AuditTarget => "rates";
}

public sealed record RepriceReport(bool DryRun, BillingSettingsView Settings, IReadOnlyList<RateChangeView> Changes);
