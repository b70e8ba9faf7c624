using System.Text;

namespace AigneHub.Domain.Secrets;

/// <summary>
/// The form of a secret that is safe to show (`sk-a****wxyz`): enough to tell two keys apart, never enough to use one.
/// </summary>
public static class SecretMask
{
    public const string Hidden = "****";

    /// <summary>Shorter secrets reveal nothing: four characters at each end would give away most of them.</summary>
    public const int MinLengthToReveal = 12;

    /// <summary>Characters kept at each end of a long secret; at most twice this many are ever revealed.</summary>
    public const int RevealedAtEachEnd = 4;

    public static string Mask(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);

        // Counted in runes so a character outside the BMP is never cut in half.
        var runes = secret.EnumerateRunes().ToArray();
        if (runes.Length < MinLengthToReveal)
        {
            return Hidden;
        }

        var masked = new StringBuilder(Hidden.Length + (4 * RevealedAtEachEnd));
        foreach (var rune in runes.AsSpan(0, RevealedAtEachEnd))
        {
            masked.Append(rune.ToString());
        }

        masked.Append(Hidden);
        foreach (var rune in runes.AsSpan(runes.Length - RevealedAtEachEnd))
        {
            masked.Append(rune.ToString());
        }

        return masked.ToString();
    }
}
