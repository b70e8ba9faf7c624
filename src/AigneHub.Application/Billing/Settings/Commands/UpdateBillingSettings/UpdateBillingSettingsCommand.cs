namespace AigneHub.Application.Billing.Settings.Commands.UpdateBillingSettings;

/// <summary>Replaces the billing settings, at the version the operator last read (0 before the first change).</summary>
public sealed record UpdateBillingSettingsCommand(int ExpectedVersion, BillingSettingsValues Values, string Actor) : ICommand<BillingSettingsView>, IAuditedCommand
{
    public string AuditTarget => "billing:settings";
}
