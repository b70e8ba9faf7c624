namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>The OpenAI provider (section "Providers:OpenAI"). See docs/configuration.md.</summary>
public sealed class OpenAIProviderOptions
{
    public const string Section = "Providers:OpenAI";

    public const string DefaultBaseUrl = "https://api.openai.com/v1";

    /// <summary>The API root that "/chat/completions" is appended to; a trailing '/' is optional.</summary>
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>The secret API key ("sk-…"), sent as a bearer token. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>On or off; when unset the provider is on exactly when <see cref="ApiKey"/> is set.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Limit on a whole non-streamed call, and on the wait for response headers of a streamed one.</summary>
    public int TimeoutSeconds { get; set; } = 100;

    /// <summary>Longest silence allowed between two reads of a streamed answer.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Bare model names this provider serves; empty means every bare name.</summary>
    public string[] Models { get; set; } = [];

    public bool IsEnabled => Enabled ?? !string.IsNullOrWhiteSpace(ApiKey);

    /// <summary>
    /// The endpoint for a path relative to <see cref="BaseUrl"/> (which may or may not end with '/'); null when
    /// <see cref="BaseUrl"/> is not an absolute http(s) URL.
    /// </summary>
    public Uri? ResolveEndpoint(string relativePath)
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var root) || (root.Scheme != Uri.UriSchemeHttp && root.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        var rootText = root.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(rootText + "/" + relativePath.TrimStart('/'), UriKind.Absolute);
    }

    /// <summary>Every configuration problem, worded for an operator; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        if (!IsEnabled)
        {
            return [];
        }

        var failures = new List<string>();
        if (ResolveEndpoint("chat/completions") is null)
        {
            failures.Add($"{Section}:BaseUrl must be an absolute http or https URL.");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            failures.Add($"{Section}:ApiKey is required when the provider is enabled.");
        }
        else if (ApiKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            // Said without echoing the key: whitespace usually means a copy-paste slip.
            failures.Add($"{Section}:ApiKey must not contain whitespace or control characters.");
        }

        if (TimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:TimeoutSeconds must be between 1 and 3600.");
        }

        if (StreamIdleTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:StreamIdleTimeoutSeconds must be between 1 and 3600.");
        }

        if (Models.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Section}:Models must not contain empty names.");
        }

        return failures;
    }
}
