using System.Security.Cryptography;
using System.Text;

namespace AigneHub.Domain.Access;

/// <summary>
/// The text of a hub access key: <c>ahk_&lt;key id&gt;_&lt;secret&gt;</c>. The key id (16 lowercase hex characters)
/// is not secret: it names the key's stream and is how the hub finds the stored hash. The secret is 32 random bytes
/// (256 bits) in base64url; the hub stores only its SHA-256 and compares hashes in constant time.
/// </summary>
public sealed record AccessKeyToken(string KeyId, string Secret)
{
    public const string Prefix = "ahk_";
    private const int KeyIdLength = 16;
    private const int MinSecretLength = 43;

    public string Text => $"{Prefix}{KeyId}_{Secret}";

    /// <summary>A new key: a fresh key id and a fresh secret from the system's cryptographic generator.</summary>
    public static AccessKeyToken New() => new(NewKeyId(), NewSecret());

    public static string NewKeyId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdLength / 2));

    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static bool TryParse(string? text, out AccessKeyToken token)
    {
        token = null!;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length < Prefix.Length + KeyIdLength + 1 + MinSecretLength || text.Length > 256)
        {
            return false;
        }

        var keyId = text.Substring(Prefix.Length, KeyIdLength);
        if (text[Prefix.Length + KeyIdLength] != '_' || !keyId.All(IsLowerHex))
        {
            return false;
        }

        var secret = text[(Prefix.Length + KeyIdLength + 1)..];
        if (!secret.All(IsBase64Url))
        {
            return false;
        }

        token = new AccessKeyToken(keyId, secret);
        return true;
    }

    /// <summary>Lowercase hex SHA-256 of the secret: what is stored.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="storedHash"/>, in time that does not depend on where they differ.</summary>
    public static bool Verify(string secret, string storedHash)
    {
        Span<byte> expected = stackalloc byte[32];
        if (storedHash.Length != 64 || Convert.FromHexString(storedHash, expected, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>What may be shown or logged about a key: its prefix and id.</summary>
    public string Masked => $"{Prefix}{KeyId}_****";

    public override string ToString() => Masked;

    private static bool IsLowerHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f');

    private static bool IsBase64Url(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
