using System.Security.Cryptography;

namespace AigneHub.Api.Rest.Payments;

/// <summary>
/// The webhook's signature: <c>x-aignehub-signature: sha256=&lt;hex HMAC-SHA256(secret, timestamp + "." + body)&gt;</c>
/// with <c>x-aignehub-timestamp</c> in Unix seconds. Compared in constant time.
/// </summary>
internal static class PaymentWebhookSignature
{
    public const string SignatureHeader = "x-aignehub-signature";
    public const string TimestampHeader = "x-aignehub-timestamp";
    private const string Prefix = "sha256=";

    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(Mac(secret, timestamp, body));

    /// <summary>Null when the signature holds; otherwise why not (safe to show: it reveals nothing about the secret).</summary>
    public static string? Check(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(timestamp) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return $"The {TimestampHeader} header (Unix seconds) is missing or malformed.";
        }

        if (seconds > 253_402_300_799 || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return "The notification's timestamp is outside the accepted window.";
        }

        if (string.IsNullOrEmpty(signature) || !signature.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return $"The {SignatureHeader} header is missing or not of the form sha256=<hex>.";
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(signature.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return "The signature is not valid hex.";
        }

        return CryptographicOperations.FixedTimeEquals(given, Mac(secret, timestamp, body)) ? null : "The signature does not match.";
    }

    private static byte[] Mac(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
