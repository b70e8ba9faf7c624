using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AigneHub.Api.Hosting;

/// <summary>
/// The /readyz body: the overall status word, then one "check: reason" line for each check that is not Healthy
/// (e.g. "statistics: usage statistics stalled …"). The reasons are the checks' own texts, which never name a host,
/// a user or a password.
/// </summary>
internal static class ReadinessWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        var lines = report.Entries
            .Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"\n{e.Key}: {e.Value.Description}");
        return context.Response.WriteAsync(report.Status + string.Concat(lines));
    }
}
