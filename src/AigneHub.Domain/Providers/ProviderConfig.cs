using AigneHub.Domain.Providers.Events;

namespace AigneHub.Domain.Providers;

/// <summary>
/// A provider's configuration as its event stream says: built only by <see cref="Create"/> and the Apply methods,
/// which assign and decide nothing (the decisions are in <see cref="ProviderDecisions"/>). Marten keeps it as an
/// inline snapshot, so it is also the read model of the admin API.
/// </summary>
public sealed class ProviderConfig
{
    private readonly List<ProviderCredentialState> _credentials = [];

    /// <summary>The stream key: the provider's name.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The stream version this state reflects (Marten sets it).</summary>
    public int Version { get; set; }

    public string DisplayName { get; private set; } = string.Empty;

    public string? BaseUrl { get; private set; }

    public string? Region { get; private set; }

    public bool Enabled { get; private set; }

    public string? DisabledReason { get; private set; }

    public DateTimeOffset RegisteredAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public IReadOnlyList<ProviderCredentialState> Credentials
    {
        get => _credentials;
        private set
        {
            _credentials.Clear();
            _credentials.AddRange(value);
        }
    }

    public ProviderCredentialState? Credential(Guid id) => _credentials.Find(c => c.Id == id);

    public static ProviderConfig Create(ProviderRegistered e) => new()
    {
        Id = e.Provider,
        DisplayName = e.DisplayName,
        BaseUrl = e.BaseUrl,
        Region = e.Region,
        Enabled = true,
        RegisteredAt = e.At,
        UpdatedAt = e.At,
    };

    public void Apply(ProviderEndpointChanged e)
    {
        BaseUrl = e.BaseUrl;
        Region = e.Region;
        UpdatedAt = e.At;
    }

    public void Apply(ProviderEnabled e)
    {
        Enabled = true;
        DisabledReason = null;
        UpdatedAt = e.At;
    }

    public void Apply(ProviderDisabled e)
    {
        Enabled = false;
        DisabledReason = e.Reason;
        UpdatedAt = e.At;
    }

    public void Apply(CredentialAdded e)
    {
        _credentials.Add(new ProviderCredentialState
        {
            Id = e.CredentialId,
            Name = e.Name,
            Kind = e.Kind,
            Weight = e.Weight,
            Secret = e.Secret,
            MaskedSecret = e.MaskedSecret,
            AccessKeyId = e.AccessKeyId,
            Enabled = true,
            AddedAt = e.At,
        });
        UpdatedAt = e.At;
    }

    public void Apply(CredentialWeightChanged e)
    {
        Replace(e.CredentialId, c => c with { Weight = e.Weight });
        UpdatedAt = e.At;
    }

    public void Apply(CredentialDisabled e)
    {
        Replace(e.CredentialId, c => c with
        {
            Enabled = false,
            DisabledReason = e.Reason,
            DisabledByStatus = e.UpstreamStatus,
            DisabledBy = e.By,
            DisabledAt = e.At,
            FailedRechecks = 0,
        });
        UpdatedAt = e.At;
    }

    public void Apply(CredentialReEnabled e)
    {
        Replace(e.CredentialId, c => c with
        {
            Enabled = true,
            DisabledReason = null,
            DisabledByStatus = null,
            DisabledBy = null,
            DisabledAt = null,
            FailedRechecks = 0,
        });
        UpdatedAt = e.At;
    }

    public void Apply(CredentialTested e)
    {
        // A failed check of a disabled credential lengthens the wait before its next re-check.
        Replace(e.CredentialId, c => c with
        {
            LastTestedAt = e.At,
            LastTestOk = e.Ok,
            LastError = e.Ok ? null : e.Message,
            FailedRechecks = !c.Enabled && !e.Ok ? c.FailedRechecks + 1 : c.FailedRechecks,
        });
    }

    public void Apply(CredentialRemoved e)
    {
        _credentials.RemoveAll(c => c.Id == e.CredentialId);
        UpdatedAt = e.At;
    }

    public void Apply(CredentialSecretReEncrypted e)
    {
        Replace(e.CredentialId, c => c with { Secret = e.Secret });
    }

    private void Replace(Guid id, Func<ProviderCredentialState, ProviderCredentialState> change)
    {
        var index = _credentials.FindIndex(c => c.Id == id);
        if (index >= 0)
        {
            _credentials[index] = change(_credentials[index]);
        }
    }
}

/// <summary>One credential of a provider. The secret is only ever held encrypted here.</summary>
public sealed record ProviderCredentialState
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public required CredentialKind Kind { get; init; }

    public required int Weight { get; init; }

    public required EncryptedSecret Secret { get; init; }

    /// <summary>What the admin API shows instead of the secret, e.g. "sk-a****wxyz".</summary>
    public required string MaskedSecret { get; init; }

    /// <summary>Not secret: the AWS access key id of an access key pair.</summary>
    public string? AccessKeyId { get; init; }

    public required bool Enabled { get; init; }

    public string? DisabledReason { get; init; }

    public int? DisabledByStatus { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>Who disabled it: an operator's id, or "system" when the hub did because the upstream refused it.</summary>
    public string? DisabledBy { get; init; }

    /// <summary>Failed checks since it was disabled: the re-check of a refused credential waits longer after each.</summary>
    public int FailedRechecks { get; init; }

    public DateTimeOffset? LastTestedAt { get; init; }

    public bool? LastTestOk { get; init; }

    /// <summary>Why the last check failed, in the hub's words; null after a passed one.</summary>
    public string? LastError { get; init; }

    public required DateTimeOffset AddedAt { get; init; }
}
