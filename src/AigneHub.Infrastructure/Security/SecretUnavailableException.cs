namespace AigneHub.Infrastructure.Security;

/// <summary>
/// A stored secret could not be decrypted: its key is not in the ring, or it was altered, or it belongs to another
/// purpose. The message names the key id (and the purpose, which is not secret) so an operator can act; it never
/// carries the ciphertext, the plaintext or a key. To callers of the hub it is an internal fault.
/// </summary>
public sealed class SecretUnavailableException : HubException
{
    private SecretUnavailableException(string keyId, string message, Exception? inner = null)
        : base(ErrorKind.Internal, message, inner)
    {
        KeyId = keyId;
    }

    /// <summary>The key id stored with the secret, as found (it may be malformed).</summary>
    public string KeyId { get; }

    internal static SecretUnavailableException UnknownKey(string keyId, IReadOnlyList<string> ringKeyIds) => new(
        keyId,
        $"The secret was encrypted with key {SecretKeyId.Describe(keyId)}, which is not in the key ring " +
        $"(key ids: {string.Join(", ", ringKeyIds)}). Put that key back into the ring (Secrets:Keys) to read it.");

    internal static SecretUnavailableException Malformed(string keyId) => new(
        keyId,
        $"The secret encrypted with key {SecretKeyId.Describe(keyId)} is malformed: its nonce, ciphertext or tag is not " +
        $"base64 of the expected size.");

    internal static SecretUnavailableException NotAuthentic(string keyId, string purpose, Exception inner) => new(
        keyId,
        $"The secret encrypted with key {SecretKeyId.Describe(keyId)} failed authentication for purpose '{purpose}': " +
        "it was altered, it was encrypted for another purpose, or the ring holds a different key under that id.",
        inner);
}
