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
