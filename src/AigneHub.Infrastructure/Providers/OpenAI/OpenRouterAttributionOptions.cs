namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// OpenRouter's optional app attribution (keys "Providers:OpenRouter:AppUrl" and "Providers:OpenRouter:AppTitle"),
/// which lists the calls under an app in OpenRouter's rankings and analytics. Off unless set: attribution tells a third
/// party which application made the calls. See docs/configuration.md.
/// </summary>
public sealed class OpenRouterAttributionOptions
{
    public const string Section = "Providers:OpenRouter";

    /// <summary>Sent as <c>HTTP-Referer</c>: the app's URL, OpenRouter's identifier for the app.</summary>
    public const string AppUrlHeader = "HTTP-Referer";

    /// <summary>Sent as <c>X-OpenRouter-Title</c> (the current name of the header once called <c>X-Title</c>).</summary>
    public const string AppTitleHeader = "X-OpenRouter-Title";

    public const int MaxAppUrlLength = 2048;

    public const int MaxAppTitleLength = 256;

    /// <summary>The app's URL; unset sends no <see cref="AppUrlHeader"/>.</summary>
    public string? AppUrl { get; set; }

    /// <summary>The app's display name; unset sends no <see cref="AppTitleHeader"/>.</summary>
    public string? AppTitle { get; set; }

    /// <summary>The headers to send on every OpenRouter call; empty when attribution is off.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers()
    {
        var headers = new List<KeyValuePair<string, string>>(2);
        if (!string.IsNullOrWhiteSpace(AppUrl))
        {
            headers.Add(new(AppUrlHeader, AppUrl.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(AppTitle))
        {
            headers.Add(new(AppTitleHeader, AppTitle.Trim()));
        }

        return headers;
    }

    /// <summary>Every configuration problem, worded for an operator; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(AppUrl))
        {
            if (!Uri.TryCreate(AppUrl.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{Section}:{nameof(AppUrl)} must be an absolute http or https URL.");
            }
            else if (!IsHeaderSafe(AppUrl))
            {
                failures.Add($"{Section}:{nameof(AppUrl)} must be printable ASCII: it is sent as an HTTP header.");
            }
            else if (AppUrl.Trim().Length > MaxAppUrlLength)
            {
                failures.Add($"{Section}:{nameof(AppUrl)} must be at most {MaxAppUrlLength} characters: it is sent as an HTTP header.");
            }
        }

        if (!string.IsNullOrWhiteSpace(AppTitle) && !IsHeaderSafe(AppTitle))
        {
            failures.Add($"{Section}:{nameof(AppTitle)} must be printable ASCII: it is sent as an HTTP header.");
        }
        else if (!string.IsNullOrWhiteSpace(AppTitle) && AppTitle.Trim().Length > MaxAppTitleLength)
        {
            failures.Add($"{Section}:{nameof(AppTitle)} must be at most {MaxAppTitleLength} characters: it is sent as an HTTP header.");
        }

        return failures;
    }

    private static bool IsHeaderSafe(string value) => value.Trim().All(c => c is >= ' ' and <= '~');
}
