using AigneHub.Domain.Secrets;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// Encrypts secrets (provider API keys, AWS secret keys) for storage and decrypts them for use. A key ring holds every
/// key that may still have encrypted something; new secrets are always encrypted with the active one.
/// </summary>
/// <remarks>
/// The purpose is authenticated with the ciphertext: a secret protected for "provider-credential:{credentialId}"
/// fails to decrypt under any other purpose, so a ciphertext copied onto another credential is useless. Nothing this
/// protector throws carries the plaintext.
/// </remarks>
public interface ISecretProtector
{
    /// <summary>The id of the key that <see cref="Protect"/> encrypts with.</summary>
    string ActiveKeyId { get; }

    EncryptedSecret Protect(string plaintext, string purpose);

    /// <summary>
    /// The plaintext. Throws when the key that encrypted the secret is no longer in the ring, or when the secret was
    /// altered or belongs to another purpose (the implementation's exception names the key id, never the data).
    /// </summary>
    string Unprotect(EncryptedSecret secret, string purpose);

    /// <summary>True when the secret was encrypted with a key other than the active one and should be re-encrypted.</summary>
    bool NeedsRotation(EncryptedSecret secret);
}

/// <summary>The associated data each kind of secret is encrypted with, so a ciphertext cannot be moved elsewhere.</summary>
public static class SecretPurposes
{
    public static string ProviderCredential(Guid credentialId) => $"provider-credential:{credentialId:N}";
}
