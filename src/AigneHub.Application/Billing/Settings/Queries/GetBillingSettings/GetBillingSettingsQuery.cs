namespace AigneHub.Application.Billing.Settings.Queries.GetBillingSettings;

/// <summary>The billing settings (the defaults until an operator changes them).</summary>
public sealed record GetBillingSettingsQuery : IQuery<BillingSettingsView>;
