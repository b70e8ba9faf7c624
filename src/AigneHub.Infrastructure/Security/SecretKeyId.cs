using System.Text.RegularExpressions;

namespace AigneHub.Infrastructure.Security;

/// <summary>The rule for key ids, and how to name one in a message without risking printing a key.</summary>
internal static partial class SecretKeyId
{
    public const string Rule = "1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'";

    public static bool IsValid(string? keyId) => keyId is not null && Pattern().IsMatch(keyId);

    /// <summary>
    /// A valid id quoted; an invalid one quoted only when it cannot be key material (a key pasted where its id belongs
    /// is long base64, which breaks the rule and must not be echoed back).
    /// </summary>
    public static string Describe(string? keyId)
    {
        if (keyId is null)
        {
            return "(none)";
        }

        if (IsValid(keyId))
        {
            return $"'{keyId}'";
        }

        if (LooksLikeKeyMaterial(keyId))
        {
            return $"of {keyId.Length} characters that looks like key material (not shown; are a key id and its key swapped?)";
        }

        return keyId.Length <= 64 && !keyId.Any(char.IsControl) ? $"'{keyId}'" : $"of {keyId.Length} characters (not shown)";
    }

    private static bool LooksLikeKeyMaterial(string value)
    {
        var buffer = new byte[(value.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(value, buffer, out var written) && written >= 16;
    }

    // \z, not $: $ would also accept a trailing newline.
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
