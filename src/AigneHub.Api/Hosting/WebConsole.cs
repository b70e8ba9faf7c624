using AigneHub.Infrastructure.Access;
using Microsoft.Extensions.FileProviders;

namespace AigneHub.Api.Hosting;

/// <summary>
/// The web console (console/ in the repository, built into <c>console/</c> beside the binaries): its files are served
/// at <c>/</c> as static files, with <c>/console.json</c> telling it how people sign in (an OIDC issuer and the
/// console's client id, when both are configured). The console routes by URL fragment (<c>/#/usage</c>), so there is
/// no SPA fallback: every other path is the API's, and an unknown one keeps the API's own 404. Console responses carry
/// a Content-Security-Policy that allows only the hub's own scripts, styles and API, plus the issuer for sign-in (no
/// inline code, nothing else from elsewhere). Without a built console (the build was told to skip npm), <c>/</c>
/// answers 404 as before.
/// </summary>
internal static partial class WebConsole
{
    public const string ConfigPath = "/console.json";

    public static void UseWebConsole(this WebApplication app)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "console");
        if (!File.Exists(Path.Combine(folder, "index.html")))
        {
            LogNoConsole(app.Logger, folder);
            return;
        }

        var options = app.Services.GetRequiredService<IOptions<WebConsoleOptions>>().Value;
        var oidc = app.Services.GetRequiredService<IOptions<OidcOptions>>().Value;
        var signIn = oidc.IsEnabled && !string.IsNullOrWhiteSpace(options.OidcClientId)
            ? new { authority = oidc.Authority!.TrimEnd('/'), client_id = options.OidcClientId, scope = options.OidcScope }
            : null;
        var policy = ContentSecurityPolicy(signIn?.authority);

        // Not an endpoint (like the files): it needs no key, and the API's route list stays the API's.
        app.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path != ConfigPath)
            {
                return next(context);
            }

            context.Response.Headers.CacheControl = "no-cache";
            return context.Response.WriteAsJsonAsync(new { oidc = signIn });
        });

        var files = new PhysicalFileProvider(folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XFrameOptions = "DENY";
                // Revalidated each time (ETag): a rebuilt console is picked up on the next load.
                headers.CacheControl = "no-cache";
            },
        });
    }

    /// <summary>Only the hub's own files and API; the issuer too when people sign in there (discovery and the token exchange).</summary>
    public static string ContentSecurityPolicy(string? issuer)
    {
        var connect = issuer is null ? "'self'" : $"'self' {new Uri(issuer).GetLeftPart(UriPartial.Authority)}";
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
            $"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No web console in {Folder}: / answers 404 (build with npm available to get it)")]
    private static partial void LogNoConsole(ILogger logger, string folder);
}

/// <summary>How people sign in to the web console (section "Console"); an access key always works.</summary>
public sealed class WebConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// The console's client id at the OIDC issuer (Access:Oidc:Authority): a public client allowed the authorization
    /// code flow with PKCE and the redirect URI <c>&lt;hub&gt;/</c>. Unset: the console offers only key sign-in.
    /// </summary>
    [System.ComponentModel.DataAnnotations.StringLength(200)]
    public string? OidcClientId { get; set; }

    /// <summary>The scopes the console asks the issuer for.</summary>
    [System.ComponentModel.DataAnnotations.Required]
    public string OidcScope { get; set; } = "openid profile email";
}
