namespace AigneHub.Api.Hosting;

/// <summary>
/// The web origins whose browser apps may call the hub (section "Cors"), answered with CORS headers; none by default,
/// so no browser page of another origin can read the hub's answers until an operator names it.
/// </summary>
public sealed class BrowserOriginsOptions : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>Origins as browsers send them ("https://app.example.com", "http://localhost:5173"), or "*" for any.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may reuse a preflight's answer.</summary>
    [Range(0, 86400)]
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    public bool Enabled => AllowedOrigins.Count > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins.Where(o => o != "*" && !IsOrigin(o)))
        {
            yield return new ValidationResult(
                $"Cors:AllowedOrigins holds '{origin}', which is not an origin: use scheme://host[:port] without a path (e.g. https://app.example.com), or * for any.",
                [nameof(AllowedOrigins)]);
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && !value.EndsWith('/') && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}
