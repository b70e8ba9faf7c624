namespace AigneHub.Api.Rest;

/// <summary>
/// The absolute root of the hub's REST surface, for links the hub hands out (stored images): the configured
/// <c>Images:PublicBaseUrl</c> when set (behind a proxy or load balancer), otherwise the address the request came to
/// when it came over REST, otherwise (a native gRPC call) the REST address the hub is bound to.
/// </summary>
internal sealed class RestRoot(IOptions<ImageLinkOptions> options)
{
    private Uri? _bound;

    /// <summary>Set by the host once Kestrel has bound the REST endpoint.</summary>
    public void Bind(Uri restAddress) => _bound = restAddress;

    public Uri For(HttpContext context)
    {
        if (options.Value.PublicBaseUrl is { Length: > 0 } configured)
        {
            return new Uri(configured.TrimEnd('/') + "/", UriKind.Absolute);
        }

        var request = context.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) || _bound is null)
        {
            return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/", UriKind.Absolute);
        }

        return _bound;
    }
}

/// <summary>How image links are built (section "Images"; its storage keys are Infrastructure's ImageStorageOptions).</summary>
public sealed class ImageLinkOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string Section = "Images";

    /// <summary>The public root of the REST surface, e.g. https://hub.example.com; unset: the address each request came to.</summary>
    public string? PublicBaseUrl { get; set; }

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(PublicBaseUrl)
            && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                $"{Section}:PublicBaseUrl must be an absolute http or https URL (got '{PublicBaseUrl}').", [nameof(PublicBaseUrl)]);
        }
    }
}
