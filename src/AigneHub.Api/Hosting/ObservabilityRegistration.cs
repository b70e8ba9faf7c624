using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AigneHub.Api.Hosting;

/// <summary>
/// OpenTelemetry for the hub: the "AigneHub" meter plus ASP.NET Core and HttpClient metrics, scraped by Prometheus
/// (and/or pushed over OTLP); traces whose edge span (ASP.NET Core) and provider span (HttpClient) share the trace id,
/// which HttpClient propagates to the provider as a W3C traceparent; and the console log format with scopes.
/// </summary>
internal static class ObservabilityRegistration
{
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ObservabilityOptions.Section);
        builder.Services.AddOptions<ObservabilityOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var options = section.Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint, UriKind.Absolute);

        AddConsoleLogging(builder.Logging, options);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(HubMetrics.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (options.PrometheusEnabled)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });

        if (options.TracingEnabled)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrape(context, options))
                    .AddHttpClientInstrumentation();
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                }
                else
                {
                    // No collector: the spans still carry the trace (the provider gets its traceparent, log scopes its
                    // TraceId), but none is recorded, since nothing would read what a recorded span collects per call.
                    tracing.SetSampler(new AlwaysOffSampler());
                }
            });
        }

        return builder;
    }

    /// <summary>The Prometheus scrape route, when the exporter is on (<c>Observability:PrometheusPath</c>).</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        if (options.PrometheusEnabled)
        {
            // Like every admin read: the scrape shows which providers and models are used and how much they cost.
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath)
                .WithMetadata(new Identity.HubAccessAttribute(Domain.Access.KeyScopes.AdminRead) { AdminRole = true });
        }

        return app;
    }

    private static void AddConsoleLogging(ILoggingBuilder logging, ObservabilityOptions options)
    {
        // The host's logging scope of each request carries RequestId (the x-request-id the hub returns, and the call
        // record's request id) and, from its activity, TraceId and SpanId.
        if (options.LogFormat == "json")
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            return;
        }

        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = options.LogScopes;
            o.TimestampFormat = "HH:mm:ss ";
        });
    }

    private static bool IsScrape(HttpContext context, ObservabilityOptions options) =>
        options.PrometheusEnabled && context.Request.Path.Equals(options.PrometheusPath, StringComparison.Ordinal);
}

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
