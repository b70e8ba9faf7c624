namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// One provider read from configuration (section "Providers:&lt;Name&gt;", e.g. "Providers:DeepSeek"); a named options
/// instance per provider, named by the provider ("deepseek"). See docs/configuration.md. This is how providers are
/// set up until they are managed through the admin API.
/// </summary>
public sealed class ConfiguredProviderOptions
{
    /// <summary>The secret API key, sent as a bearer token. Never logged, never quoted in a validation message.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The API root that the adapter appends its paths to; unset means the provider's documented default.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// On or off. Unset: on exactly when the provider has what it cannot do without — its key, or, for a provider that
    /// needs no key (ollama), its base URL.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Bare model names this provider serves; empty means every bare name.</summary>
    public string[] Models { get; set; } = [];

    internal bool HasApiKey => !string.IsNullOrWhiteSpace(ApiKey);

    internal bool HasBaseUrl => !string.IsNullOrWhiteSpace(BaseUrl);

    internal bool IsEnabled(ProviderProfile profile) => Enabled ?? (profile.RequiresApiKey ? HasApiKey : HasBaseUrl);

    /// <summary>
    /// The configured base URL, else the profile's default; null when neither is an absolute http(s) URL.
    /// </summary>
    internal Uri? ResolveBaseUrl(ProviderProfile profile)
    {
        if (!HasBaseUrl)
        {
            return profile.DefaultBaseUrl;
        }

        return Uri.TryCreate(BaseUrl!.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : null;
    }
}
