namespace AigneHub.Api.Hosting;

/// <summary>Where the hub listens (section "Hub"). Port 0 picks a free port (tests do).</summary>
public sealed class HubEndpointsOptions : IValidatableObject
{
    public const string Section = "Hub";

    /// <summary>REST (HTTP/1.1; cleartext HTTP/2 is what the gRPC port is for): the OpenAI routes, transcoded gRPC routes and the admin API.</summary>
    [Required]
    public string RestUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>gRPC over cleartext HTTP/2 (h2c).</summary>
    [Required]
    public string GrpcUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>The largest request body accepted, in bytes (larger: 413 before the body is read).</summary>
    [Range(1_024, 256L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// The largest body of a chat request, which may carry images inline (base64 data URLs): /v1/chat/completions,
    /// /api/v2/chat and gRPC chat. At least <see cref="MaxRequestBodyBytes"/>.
    /// </summary>
    [Range(1_024, 256L * 1024 * 1024)]
    public long MaxImageRequestBodyBytes { get; set; } = 8L * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxImageRequestBodyBytes < MaxRequestBodyBytes)
        {
            yield return new ValidationResult(
                $"Hub:MaxImageRequestBodyBytes ({MaxImageRequestBodyBytes}) must be at least Hub:MaxRequestBodyBytes ({MaxRequestBodyBytes}).",
                [nameof(MaxImageRequestBodyBytes)]);
        }
    }
}
