using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using Marten.Events.Aggregation;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// The provider stream's projection. Marten 9 dispatches Create/Apply through a compile-time generator that must run
/// in the project declaring them; declaring them here keeps the domain free of Marten while the aggregate still
/// decides how each event changes it.
/// </summary>
public sealed partial class ProviderConfigProjection : SingleStreamProjection<ProviderConfig, string>
{
    public static ProviderConfig Create(ProviderRegistered e) => ProviderConfig.Create(e);

    public void Apply(ProviderEndpointChanged e, ProviderConfig view) => view.Apply(e);

    public void Apply(ProviderEnabled e, ProviderConfig view) => view.Apply(e);

    public void Apply(ProviderDisabled e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialAdded e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialWeightChanged e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialDisabled e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialReEnabled e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialTested e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialRemoved e, ProviderConfig view) => view.Apply(e);

    public void Apply(CredentialSecretReEncrypted e, ProviderConfig view) => view.Apply(e);
}
