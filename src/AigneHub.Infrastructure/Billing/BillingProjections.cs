using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using Marten.Events.Aggregation;

namespace AigneHub.Infrastructure.Billing;

// Marten 9 dispatches Create/Apply through a generator that runs in the project declaring them; these forward to the
// domain's own Create/Apply, which keeps the domain free of Marten.

/// <summary>The billing settings stream's inline view.</summary>
public sealed partial class BillingSettingsProjection : SingleStreamProjection<BillingSettings, string>
{
    public static BillingSettings Create(BillingSettingsChanged e) => BillingSettings.Create(e);

    public void Apply(BillingSettingsChanged e, BillingSettings view) => view.Apply(e);
}

/// <summary>A model rate's current version.</summary>
public sealed partial class ModelRateProjection : SingleStreamProjection<ModelRate, string>
{
    public static ModelRate Create(ModelRateSet e) => ModelRate.Create(e);

    public void Apply(ModelRateSet e, ModelRate view) => view.Apply(e);
}

/// <summary>A credit account's balance, holds and grants.</summary>
public sealed partial class CreditAccountProjection : SingleStreamProjection<CreditAccount, string>
{
    public static CreditAccount Create(CreditAccountOpened e) => CreditAccount.Create(e);

    public void Apply(CreditsGranted e, CreditAccount view) => view.Apply(e);

    public void Apply(CreditsHeld e, CreditAccount view) => view.Apply(e);

    public void Apply(HoldCaptured e, CreditAccount view) => view.Apply(e);

    public void Apply(HoldReleased e, CreditAccount view) => view.Apply(e);

    public void Apply(GrantExpired e, CreditAccount view) => view.Apply(e);

    public void Apply(CreditsAdjusted e, CreditAccount view) => view.Apply(e);

    public void Apply(BalanceLeased e, CreditAccount view) => view.Apply(e);

    public void Apply(LeaseReturned e, CreditAccount view) => view.Apply(e);
}
