using AigneHub.Domain.Secrets;

namespace AigneHub.Infrastructure.Security;

/// <summary>
/// AES-256-GCM with a random 12-byte nonce per encryption, a 16-byte tag and the UTF-8 purpose as associated data.
/// Encrypts with the ring's active key and decrypts with whichever key the secret names.
/// </summary>
/// <remarks>
/// A random nonce is safe for about 2^32 encryptions under one key; credentials are encrypted when an operator adds
/// or rotates one, many orders of magnitude fewer.
/// </remarks>
internal sealed class AesGcmSecretProtector : ISecretProtector
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SecretKeyRing _ring;

    public AesGcmSecretProtector(SecretKeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (!AesGcm.IsSupported)
        {
            throw new PlatformNotSupportedException("AES-GCM is not available on this platform; the hub needs it to protect stored secrets.");
        }

        _ring = ring;
    }

    public string ActiveKeyId => _ring.ActiveKeyId;

    public EncryptedSecret Protect(string plaintext, string purpose)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var associatedData = EncodePurpose(purpose);
        var plain = EncodePlaintext(plaintext);
        try
        {
            if (plain.Length > EncryptedSecret.MaxCiphertextSize)
            {
                throw new ArgumentException(
                    $"A secret is at most {EncryptedSecret.MaxCiphertextSize} bytes of UTF-8; this one is {plain.Length}.", nameof(plaintext));
            }

            var nonce = RandomNumberGenerator.GetBytes(EncryptedSecret.NonceSize);
            var ciphertext = new byte[plain.Length];
            var tag = new byte[EncryptedSecret.TagSize];

            // AesGcm instances are not thread-safe; one per call keeps the protector a plain singleton.
            using (var aes = new AesGcm(_ring.ActiveKey, EncryptedSecret.TagSize))
            {
                aes.Encrypt(nonce, plain, ciphertext, tag, associatedData);
            }

            return EncryptedSecret.Create(_ring.ActiveKeyId, nonce, ciphertext, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public string Unprotect(EncryptedSecret secret, string purpose)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var associatedData = EncodePurpose(purpose);

        if (secret.KeyId is null || !_ring.TryGetKey(secret.KeyId, out var key))
        {
            throw SecretUnavailableException.UnknownKey(secret.KeyId ?? string.Empty, _ring.KeyIds);
        }

        if (!secret.TryDecode(out var nonce, out var ciphertext, out var tag))
        {
            throw SecretUnavailableException.Malformed(secret.KeyId);
        }

        var plain = new byte[ciphertext.Length];
        try
        {
            using (var aes = new AesGcm(key, EncryptedSecret.TagSize))
            {
                aes.Decrypt(nonce, ciphertext, tag, plain, associatedData);
            }

            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw SecretUnavailableException.NotAuthentic(secret.KeyId, purpose, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public bool NeedsRotation(EncryptedSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return !string.Equals(secret.KeyId, _ring.ActiveKeyId, StringComparison.Ordinal);
    }

    private static byte[] EncodePurpose(string purpose)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        return StrictUtf8.GetBytes(purpose);
    }

    private static byte[] EncodePlaintext(string plaintext)
    {
        try
        {
            return StrictUtf8.GetBytes(plaintext);
        }
        catch (EncoderFallbackException)
        {
            // The encoder's own message quotes the offending character and its position: say less.
            throw new ArgumentException("The secret is not valid text: it contains an unpaired UTF-16 surrogate.", nameof(plaintext));
        }
    }
}
