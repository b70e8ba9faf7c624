namespace AigneHub.Domain.Providers;

/// <summary>A provider to register, as <see cref="ProviderDecisions.Register"/> takes it.</summary>
public sealed record NewProvider(string Provider, string DisplayName, string? BaseUrl, string? Region);

/// <summary>A credential to add, its secret already encrypted, as <see cref="ProviderDecisions.AddCredential"/> takes it.</summary>
/// <param name="AccessKeyId">The public half of an access key pair (bedrock); null for an API key.</param>
public sealed record NewCredential(
    Guid CredentialId, string Name, CredentialKind Kind, int Weight, EncryptedSecret Secret, string MaskedSecret, string? AccessKeyId);

/// <summary>What a live check of a credential found, as <see cref="ProviderDecisions.RecordTest"/> records it.</summary>
/// <param name="Message">Why the check failed; dropped when it passed.</param>
public sealed record CredentialTestOutcome(Guid CredentialId, bool Ok, int? UpstreamStatus, string? Message);
