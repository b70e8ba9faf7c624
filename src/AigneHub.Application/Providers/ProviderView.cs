namespace AigneHub.Application.Providers;

/// <summary>A provider as the admin API shows it: secrets only masked, with the version to send back on a change.</summary>
public sealed record ProviderView(
    string Provider,
    string DisplayName,
    string? BaseUrl,
    string? Region,
    bool Enabled,
    string? DisabledReason,
    int Version,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<CredentialView> Credentials)
{
    public static ProviderView From(ProviderConfig config) => new(
        config.Id,
        config.DisplayName,
        config.BaseUrl,
        config.Region,
        config.Enabled,
        config.DisabledReason,
        config.Version,
        config.RegisteredAt,
        config.UpdatedAt,
        config.Credentials.Select(CredentialView.From).ToArray());
}

public sealed record CredentialView(
    Guid Id,
    string Name,
    CredentialKind Kind,
    int Weight,
    string MaskedSecret,
    string? AccessKeyId,
    bool Enabled,
    string? DisabledReason,
    int? DisabledByStatus,
    DateTimeOffset AddedAt,
    DateTimeOffset? LastTestedAt,
    bool? LastTestOk,
    string? LastError)
{
    public static CredentialView From(ProviderCredentialState c) => new(
        c.Id, c.Name, c.Kind, c.Weight, c.MaskedSecret, c.AccessKeyId, c.Enabled, c.DisabledReason, c.DisabledByStatus, c.AddedAt, c.LastTestedAt, c.LastTestOk, c.LastError);
}
