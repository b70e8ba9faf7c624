namespace AigneHub.Application.Providers;

/// <summary>
/// The rule for every value an operator gives the hub that it then writes into an upstream request line or header —
/// a credential's api_key, access_key_id and secret_access_key, a provider's base_url and region: no control
/// character (CR, LF, NUL or any other <see cref="char.IsControl(char)"/>), which could end a header and start another
/// or a second request, and a bounded length. The admin API refuses such values (400 naming the field), configuration
/// refuses them at start-up, and a value stored before the rule existed is refused where it would be used: its
/// credential or provider is left out of the routing, never sent.
/// </summary>
public static class UpstreamValues
{
    public const int MaxApiKeyLength = 4096;

    public const int MaxAccessKeyIdLength = 128;

    public const int MaxSecretAccessKeyLength = 256;

    public const int MaxBaseUrlLength = 2048;

    public const int MaxRegionLength = 64;

    /// <summary>Whether the value holds a character for which <see cref="char.IsControl(char)"/> holds (U+0000–U+001F, U+007F–U+009F).</summary>
    public static bool HasControlCharacter(string? value) =>
        value is not null && (value.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || value.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') >= 0);

    /// <summary>Whether the value may be written into an upstream request: no control character, at most <paramref name="maxLength"/> characters.</summary>
    public static bool IsSendable(string? value, int maxLength) => value is null || (value.Length <= maxLength && !HasControlCharacter(value));

    /// <summary>The first field of the credential (as the admin API names it) that must not be sent; null when all may be.</summary>
    public static string? UnsendableField(ProviderCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return !IsSendable(credential.ApiKey, MaxApiKeyLength) ? "api_key"
            : !IsSendable(credential.AccessKeyId, MaxAccessKeyIdLength) ? "access_key_id"
            : !IsSendable(credential.SecretAccessKey, MaxSecretAccessKeyLength) ? "secret_access_key"
            : null;
    }

    /// <summary>The first field of a provider's endpoint that must not be used; null when both may be.</summary>
    public static string? UnsendableEndpointField(string? baseUrl, string? region) =>
        !IsSendable(baseUrl, MaxBaseUrlLength) ? "base_url"
        : !IsSendable(region, MaxRegionLength) ? "region"
        : null;

    /// <summary>Why a stored value is not sent, as an operator reads it (never the value itself).</summary>
    public static string Refusal(string field) =>
        $"The stored {field} contains a control character (such as CR, LF or NUL) or is too long, so the hub does not send it; replace it.";
}
