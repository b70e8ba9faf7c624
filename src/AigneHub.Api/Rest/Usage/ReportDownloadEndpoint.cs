using AigneHub.Application.Usage.Reports.Queries.GetUsageReport;

namespace AigneHub.Api.Rest.Usage;

/// <summary>GET /api/usage/reports/{id}/download?format=json|csv: a stored report as a file (Content-Disposition: attachment).</summary>
internal static class ReportDownloadEndpoint
{
    public const string Route = "/api/usage/reports/{id}/download";

    public static IEndpointRouteBuilder MapReportDownload(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, DownloadAsync).WithMetadata(new HubAccessAttribute(null));
        return app;
    }

    private static async Task DownloadAsync(HttpContext context, string id, IMediator mediator)
    {
        string fileName, contentType, content;
        try
        {
            var format = UsageService.ReportFormat(context.Request.Query["format"].ToString());
            var report = await mediator.Send(new GetUsageReportQuery(id), context.RequestAborted);
            (fileName, contentType, content) = ReportFiles.Render(report, format);
        }
        catch (HubException ex)
        {
            await AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
            return;
        }

        context.Response.ContentType = contentType;
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(content, context.RequestAborted);
    }
}
