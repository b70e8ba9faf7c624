namespace AigneHub.Api.Hosting;

/// <summary>Metrics, traces and log format (section "Observability"); see docs/operations.md.</summary>
public sealed class ObservabilityOptions : IValidatableObject
{
    public const string Section = "Observability";

    /// <summary>Serve the Prometheus scrape endpoint.</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Path of the Prometheus scrape endpoint (on the REST port).</summary>
    [Required]
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>Record traces (ASP.NET Core and HttpClient spans) and propagate W3C trace context to the providers.</summary>
    public bool TracingEnabled { get; set; } = true;

    /// <summary>OTLP collector (e.g. http://127.0.0.1:4317) that receives traces and metrics; empty = no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>service.name reported with every span and metric.</summary>
    [Required]
    public string ServiceName { get; set; } = "aignehub";

    /// <summary>Console log format: "simple" (one line) or "json" (one JSON object per line, with scopes).</summary>
    [Required]
    public string LogFormat { get; set; } = "simple";

    /// <summary>Write each line's scopes (RequestId, TraceId, SpanId, request path) with the simple format; json always does.</summary>
    public bool LogScopes { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!PrometheusPath.StartsWith('/'))
        {
            yield return new ValidationResult($"Observability:PrometheusPath must start with '/' (got '{PrometheusPath}').", [nameof(PrometheusPath)]);
        }

        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var otlp) || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"Observability:OtlpEndpoint must be an absolute http(s) URL such as http://127.0.0.1:4317 (got '{OtlpEndpoint}').", [nameof(OtlpEndpoint)]);
        }

        if (LogFormat is not ("simple" or "json"))
        {
            yield return new ValidationResult($"Observability:LogFormat must be 'simple' or 'json' (got '{LogFormat}').", [nameof(LogFormat)]);
        }
    }
}
