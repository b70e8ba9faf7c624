using Microsoft.AspNetCore.Cors.Infrastructure;

namespace AigneHub.Api.Hosting;

/// <summary>
/// CORS for the configured origins (<see cref="BrowserOriginsOptions"/>) with ASP.NET Core's CORS middleware, placed
/// before authentication: a browser's preflight carries no credential, so it is answered (204) before any key is asked
/// for, and every answer to an allowed origin — errors and streams included — carries Access-Control-Allow-Origin and
/// Vary: Origin. Any request header is allowed (the OpenAI and Anthropic SDKs send their own); the response headers a
/// client reads are exposed.
/// </summary>
internal static class BrowserOriginsRegistration
{
    /// <summary>Response headers browser clients need to read: the request id, Retry-After and the rate-limit headers.</summary>
    public static readonly string[] ExposedHeaders =
    [
        "x-request-id", "retry-after",
        "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
    ];

    public static IServiceCollection AddBrowserOrigins(this IServiceCollection services)
    {
        services.AddOptions<BrowserOriginsOptions>().BindConfiguration(BrowserOriginsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<BrowserOriginsOptions>>((cors, origins) =>
            cors.AddDefaultPolicy(policy =>
            {
                var allowed = origins.Value.AllowedOrigins;
                if (allowed.Contains("*"))
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    // A predicate rather than WithOrigins: with it every answer says Vary: Origin, also with one origin
                    // configured, so a shared cache never hands one origin's answer to another.
                    var origins = new HashSet<string>(allowed, StringComparer.OrdinalIgnoreCase);
                    policy.SetIsOriginAllowed(origins.Contains);
                }

                policy.AllowAnyHeader()
                    .AllowAnyMethod()
                    .WithExposedHeaders(ExposedHeaders)
                    .SetPreflightMaxAge(TimeSpan.FromSeconds(origins.Value.PreflightMaxAgeSeconds));
            }));
        return services;
    }

    /// <summary>Answers CORS when origins are configured; with none, the hub sends no CORS header at all.</summary>
    public static IApplicationBuilder UseBrowserOrigins(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<BrowserOriginsOptions>>().Value.Enabled)
        {
            app.UseCors();
        }

        return app;
    }
}
