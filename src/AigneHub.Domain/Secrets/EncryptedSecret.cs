namespace AigneHub.Domain.Secrets;

/// <summary>
/// A secret as it is stored (inside events): AES-256-GCM output and the id of the key that produced it, so keys can
/// rotate. The binary parts are base64 strings, which keeps the record immutable, gives it value equality and lets any
/// JSON serializer store it as it is. Build one with <see cref="Create"/>; the init-only properties are for
/// deserialization.
/// </summary>
public sealed record EncryptedSecret
{
    public const int NonceSize = 12;

    public const int TagSize = 16;

    public const int MaxKeyIdLength = 64;

    /// <summary>Provider credentials are far smaller; the limit only keeps a mistake from bloating every event.</summary>
    public const int MaxCiphertextSize = 64 * 1024;

    /// <summary>The id of the key in the key ring that encrypted <see cref="Ciphertext"/>.</summary>
    public required string KeyId { get; init; }

    /// <summary>Base64 of the 12-byte nonce.</summary>
    public required string Nonce { get; init; }

    /// <summary>Base64 of the ciphertext (as long as the UTF-8 plaintext).</summary>
    public required string Ciphertext { get; init; }

    /// <summary>Base64 of the 16-byte authentication tag.</summary>
    public required string Tag { get; init; }

    public static EncryptedSecret Create(string keyId, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        if (keyId.Length > MaxKeyIdLength)
        {
            throw new ArgumentException($"A key id is at most {MaxKeyIdLength} characters.", nameof(keyId));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException($"The nonce must be {NonceSize} bytes, not {nonce.Length}.", nameof(nonce));
        }

        if (ciphertext.Length > MaxCiphertextSize)
        {
            throw new ArgumentException($"The ciphertext must be at most {MaxCiphertextSize} bytes, not {ciphertext.Length}.", nameof(ciphertext));
        }

        if (tag.Length != TagSize)
        {
            throw new ArgumentException($"The tag must be {TagSize} bytes, not {tag.Length}.", nameof(tag));
        }

        return new EncryptedSecret
        {
            KeyId = keyId,
            Nonce = Convert.ToBase64String(nonce),
            Ciphertext = Convert.ToBase64String(ciphertext),
            Tag = Convert.ToBase64String(tag),
        };
    }

    /// <summary>
    /// The binary parts, or false when a stored value is not base64 or has the wrong size (a record that did not come
    /// from <see cref="Create"/>).
    /// </summary>
    public bool TryDecode(out byte[] nonce, out byte[] ciphertext, out byte[] tag)
    {
        var decodedNonce = TryFromBase64(Nonce);
        var decodedCiphertext = TryFromBase64(Ciphertext);
        var decodedTag = TryFromBase64(Tag);
        if (decodedNonce is not { Length: NonceSize }
            || decodedTag is not { Length: TagSize }
            || decodedCiphertext is not { Length: <= MaxCiphertextSize })
        {
            nonce = ciphertext = tag = [];
            return false;
        }

        (nonce, ciphertext, tag) = (decodedNonce, decodedCiphertext, decodedTag);
        return true;
    }

    // The ciphertext is not secret, but a log line has no use for it: show only which key it needs.
    public override string ToString() => $"EncryptedSecret {{ KeyId = {KeyId} }}";

    private static byte[]? TryFromBase64(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var buffer = new byte[(value.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }
}
