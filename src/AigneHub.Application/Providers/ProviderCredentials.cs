namespace AigneHub.Application.Providers;

/// <summary>A stored credential, decrypted for use: by the call path's snapshot and by the credential checks.</summary>
public static class ProviderCredentials
{
    /// <exception cref="AigneHub.Application.Errors.HubException">The secret cannot be decrypted (its key is not in this instance's ring).</exception>
    public static ProviderCredential Decrypt(ISecretProtector protector, ProviderCredentialState credential)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(credential);
        var secret = protector.Unprotect(credential.Secret, SecretPurposes.ProviderCredential(credential.Id));
        var id = credential.Id.ToString();
        return credential.Kind == CredentialKind.AccessKeyPair
            ? ProviderCredential.ForAccessKeyPair(id, credential.AccessKeyId ?? string.Empty, secret)
            : ProviderCredential.ForApiKey(id, secret);
    }
}
