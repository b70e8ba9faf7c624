using Microsoft.Extensions.FileProviders;

namespace AigneHub.Api.Hosting;

/// <summary>
/// The web console (console/ in the repository, built into <c>console/</c> beside the binaries): its three files are
/// served at <c>/</c> as static files. The console routes by URL fragment (<c>/#/usage</c>), so there is no SPA
/// fallback: every other path is the API's, and an unknown one keeps the API's own 404. Console responses carry a
/// Content-Security-Policy that allows only the hub's own scripts, styles and API (no inline code, nothing from
/// elsewhere). Without a built console (the build was told to skip npm), <c>/</c> answers 404 as before.
/// </summary>
internal static partial class WebConsole
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void UseWebConsole(this WebApplication app)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "console");
        if (!File.Exists(Path.Combine(folder, "index.html")))
        {
            LogNoConsole(app.Logger, folder);
            return;
        }

        var files = new PhysicalFileProvider(folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                // Revalidated each time (ETag): a rebuilt console is picked up on the next load.
                headers.CacheControl = "no-cache";
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No web console in {Folder}: / answers 404 (build with npm available to get it)")]
    private static partial void LogNoConsole(ILogger logger, string folder);
}
