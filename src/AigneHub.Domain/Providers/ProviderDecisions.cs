using AigneHub.Domain.Models;
using AigneHub.Domain.Providers.Events;

namespace AigneHub.Domain.Providers;

/// <summary>
/// The rules of provider configuration, as functions of the current state and a command that return the events to
/// append. They throw <see cref="ProviderRuleException"/> when the state does not allow the command. Input shape
/// (URL syntax, lengths) is checked before, by the command validators.
/// </summary>
public static class ProviderDecisions
{
    public const int MaxCredentials = 64;

    public static ProviderRegistered Register(ProviderConfig? current, NewProvider provider, string by, DateTimeOffset at)
    {
        var id = provider.Provider;
        if (current is not null)
        {
            throw new ProviderRuleException("provider", $"The provider '{id}' is already registered.", isConflict: true);
        }

        if (!ProviderNames.IsKnown(id) || id == ProviderNames.Demo)
        {
            throw new ProviderRuleException("provider", $"'{id}' is not a provider the hub can call.");
        }

        RequireEndpoint(id, provider.BaseUrl, provider.Region);
        return new ProviderRegistered(id, provider.DisplayName, provider.BaseUrl, provider.Region, by, at);
    }

    /// <summary>
    /// Moves where the provider is reached. The hub sends the provider's stored credentials to its base URL, and shows
    /// them to nobody; so only an owner points a provider that holds credentials somewhere else (an admin who could
    /// would receive secrets the hub never shows them). A provider without credentials, the provider's own public
    /// endpoint (no base URL) and the region (an AWS region, never a host of anyone's choosing) any admin may set.
    /// </summary>
    public static ProviderEndpointChanged ChangeEndpoint(ProviderConfig current, string? baseUrl, string? region, Access.UserRole role, string by, DateTimeOffset at)
    {
        RequireEndpoint(current.Id, baseUrl, region);
        if (role != Access.UserRole.Owner && current.Credentials.Count > 0 && baseUrl is not null && !string.Equals(baseUrl, current.BaseUrl, StringComparison.Ordinal))
        {
            throw new Access.AccessRuleException(
                "base_url",
                $"The provider '{current.Id}' holds credentials, which the hub sends to its base URL: only an owner moves it. " +
                "Remove its credentials first, or ask an owner.",
                isForbidden: true);
        }

        return new ProviderEndpointChanged(baseUrl, region, by, at);
    }

    public static IReadOnlyList<object> Enable(ProviderConfig current, string by, DateTimeOffset at) =>
        current.Enabled ? [] : [new ProviderEnabled(by, at)];

    public static IReadOnlyList<object> Disable(ProviderConfig current, string reason, string by, DateTimeOffset at) =>
        current.Enabled ? [new ProviderDisabled(reason, by, at)] : [];

    public static CredentialAdded AddCredential(ProviderConfig current, NewCredential credential, string by, DateTimeOffset at)
    {
        var (credentialId, name, kind, weight, secret, maskedSecret, accessKeyId) = credential;
        var expected = current.Id == ProviderNames.Bedrock ? CredentialKind.AccessKeyPair : CredentialKind.ApiKey;
        if (kind != expected)
        {
            throw new ProviderRuleException("kind", current.Id == ProviderNames.Bedrock
                ? "bedrock takes an access key pair (access_key_id and secret_access_key)."
                : $"{current.Id} takes an API key.");
        }

        if (current.Credentials.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ProviderRuleException("name", $"The provider '{current.Id}' already has a credential named '{name}'.");
        }

        if (current.Credentials.Count >= MaxCredentials)
        {
            throw new ProviderRuleException("credentials", $"A provider can have at most {MaxCredentials} credentials.");
        }

        RequireWeight(weight);
        return new CredentialAdded(credentialId, name, kind, weight, secret, maskedSecret, accessKeyId, by, at);
    }

    public static CredentialWeightChanged ChangeWeight(ProviderConfig current, Guid credentialId, int weight, string by, DateTimeOffset at)
    {
        Existing(current, credentialId);
        RequireWeight(weight);
        return new CredentialWeightChanged(credentialId, weight, by, at);
    }

    public static IReadOnlyList<object> DisableCredential(ProviderConfig current, Guid credentialId, string reason, int? upstreamStatus, string by, DateTimeOffset at) =>
        Existing(current, credentialId).Enabled ? [new CredentialDisabled(credentialId, reason, upstreamStatus, by, at)] : [];

    public static IReadOnlyList<object> EnableCredential(ProviderConfig current, Guid credentialId, string by, DateTimeOffset at) =>
        Existing(current, credentialId).Enabled ? [] : [new CredentialReEnabled(credentialId, by, at)];

    public static CredentialTested RecordTest(ProviderConfig current, CredentialTestOutcome outcome, string by, DateTimeOffset at)
    {
        Existing(current, outcome.CredentialId);
        return new CredentialTested(outcome.CredentialId, outcome.Ok, outcome.UpstreamStatus, outcome.Ok ? null : outcome.Message, by, at);
    }

    public static CredentialRemoved RemoveCredential(ProviderConfig current, Guid credentialId, string by, DateTimeOffset at)
    {
        Existing(current, credentialId);
        return new CredentialRemoved(credentialId, by, at);
    }

    /// <summary>
    /// Replaces a credential's stored secret with the same secret encrypted under another key (key rotation). The
    /// caller has re-encrypted it; nothing else about the credential changes.
    /// </summary>
    public static CredentialSecretReEncrypted ReEncrypt(ProviderConfig current, Guid credentialId, EncryptedSecret secret, DateTimeOffset at)
    {
        Existing(current, credentialId);
        return new CredentialSecretReEncrypted(credentialId, secret, at);
    }

    /// <summary>Whether the provider needs a base URL of its own (no public default exists).</summary>
    public static bool RequiresBaseUrl(string provider) => provider == ProviderNames.Ollama;

    private static void RequireEndpoint(string provider, string? baseUrl, string? region)
    {
        if (RequiresBaseUrl(provider) && string.IsNullOrWhiteSpace(baseUrl))
        {
            throw new ProviderRuleException("base_url", $"{provider} has no public endpoint: base_url is required.");
        }

        if (provider == ProviderNames.Bedrock && string.IsNullOrWhiteSpace(region))
        {
            throw new ProviderRuleException("region", "bedrock requires a region (e.g. us-east-1).");
        }
    }

    private static void RequireWeight(int weight)
    {
        if (weight is < 1 or > 1000)
        {
            throw new ProviderRuleException("weight", "weight must be between 1 and 1000.");
        }
    }

    private static ProviderCredentialState Existing(ProviderConfig current, Guid credentialId) =>
        current.Credential(credentialId)
        ?? throw new ProviderRuleException("credential_id", $"The provider '{current.Id}' has no credential {credentialId}.");
}
