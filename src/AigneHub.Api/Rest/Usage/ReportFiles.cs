using AigneHub.Domain.Usage.Reports;
using AigneHub.Domain.Usage.Statistics;
using AigneHub.Application.Usage.Reports;

namespace AigneHub.Api.Rest.Usage;

/// <summary>A stored usage report as a downloadable file: the JSON document, or one CSV table with a section column.</summary>
internal static class ReportFiles
{
    public const string CsvColumns =
        "section,provider,model,user_id,calls,successes,failures,cancelled,prompt_tokens,completion_tokens,cached_tokens," +
        "total_tokens,images,credits,cost_usd,latency_p50_ms,latency_p95_ms,team_id";

    public static (string FileName, string ContentType, string Content) Render(UsageReport report, string format) => format switch
    {
        "csv" => ($"{report.Id}.csv", "text/csv; charset=utf-8", Csv(report)),
        _ => ($"{report.Id}.json", "application/json", JsonSerializer.Serialize(report, ReportJson.Options)),
    };

    /// <summary>
    /// Rows: "total"; "model" and "provider" breakdowns; "top_user" and "team" (hub report; team_id, the last column,
    /// is filled on team rows only: appended so the earlier columns keep their places); "error" (model column = error
    /// kind, calls = count); "previous_total" (the period before: calls, total_tokens, credits, cost_usd).
    /// </summary>
    public static string Csv(UsageReport report)
    {
        var csv = new StringBuilder(CsvColumns).Append("\r\n");
        Row(csv, "total", "", "", "", report.Totals);
        foreach (var line in report.ByModel)
        {
            Row(csv, "model", line.Provider, line.Model, "", line.Figures);
        }

        foreach (var line in report.ByProvider)
        {
            Row(csv, "provider", line.Provider, "", "", line.Figures);
        }

        foreach (var line in report.TopUsers)
        {
            Row(csv, "top_user", "", "", line.UserId, line.Figures);
        }

        foreach (var line in report.ByTeam)
        {
            Row(csv, "team", "", "", "", line.Figures, line.TeamId);
        }

        foreach (var (kind, count) in report.ErrorsByKind.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            csv.Append("error,,").Append(kind).Append(",,").Append(count.ToString(CultureInfo.InvariantCulture)).Append(",,,,,,,,,,,,,\r\n");
        }

        var previous = report.Previous;
        csv.Append("previous_total,,,,").Append(previous.Calls.ToString(CultureInfo.InvariantCulture)).Append(",,,,,,,")
            .Append(previous.TotalTokens.ToString(CultureInfo.InvariantCulture)).Append(",,")
            .Append(Grpc.BillingMessages.Text(previous.Credits)).Append(',')
            .Append(Grpc.BillingMessages.Text(previous.CostUsd)).Append(",,,\r\n");
        return csv.ToString();
    }

    private static void Row(StringBuilder csv, string section, string provider, string model, string userId, UsageFigures figures, string teamId = "")
    {
        csv.Append(section).Append(',');
        var text = new StringBuilder();
        CallExportEndpoint.Text(text, provider);
        CallExportEndpoint.Text(text, model);
        CallExportEndpoint.Text(text, userId);
        csv.Append(text);
        foreach (var number in new[] { figures.Calls, figures.Successes, figures.Failures, figures.Cancelled, figures.PromptTokens, figures.CompletionTokens, figures.CachedTokens, figures.TotalTokens, figures.Images })
        {
            csv.Append(number.ToString(CultureInfo.InvariantCulture)).Append(',');
        }

        csv.Append(Grpc.BillingMessages.Text(figures.Credits)).Append(',');
        csv.Append(Grpc.BillingMessages.Text(figures.CostUsd)).Append(',');
        csv.Append(Ms(figures.LatencyP50Ms)).Append(',').Append(Ms(figures.LatencyP95Ms)).Append(',');
        var team = new StringBuilder();
        CallExportEndpoint.Text(team, teamId);
        csv.Append(team, 0, team.Length - 1).Append("\r\n");
    }

    private static string Ms(double? value) => value is { } ms ? Math.Round(ms, 3).ToString(CultureInfo.InvariantCulture) : string.Empty;
}
