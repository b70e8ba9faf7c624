using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Usage.Queries.GetUsageStatistics;
using AigneHub.Application.Usage;
using AigneHub.Application.Usage.Queries.ListCalls;
using AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;
using AigneHub.Application.Usage.Reports.Queries.GetUsageReport;
using AigneHub.Application.Usage.Reports.Queries.ListUsageReports;
using AigneHub.Domain.Usage.Reports;
using AigneHub.Domain.Usage.Statistics;
using Google.Protobuf.WellKnownTypes;
using DomainUsage = AigneHub.Domain.Usage;

namespace AigneHub.Api.Grpc;

/// <summary>Call records over gRPC and GET /api/usage/calls.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
internal sealed class UsageService(IMediator mediator) : V1.Usage.UsageBase
{
    [Identity.HubAccess(null)]
    public override async Task<ListCallsResponse> ListCalls(ListCallsRequest request, ServerCallContext context)
    {
        var limit = request.Limit == 0 ? ListCallsQuery.DefaultLimit : request.Limit;
        var page = await mediator.Send(
            new ListCallsQuery(FilterFrom(request), limit, string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken),
            context.CancellationToken);
        var response = new ListCallsResponse { NextPageToken = page.NextPageToken ?? string.Empty };
        response.Calls.AddRange(page.Calls.Select(ToMessage));
        return response;
    }

    /// <summary>The filter of a history query or export, from the request's fields (empty means "any").</summary>
    internal static CallFilter FilterFrom(ListCallsRequest request) => new(
        request.From?.ToDateTimeOffset(),
        request.To?.ToDateTimeOffset(),
        NullIfEmpty(request.UserId),
        NullIfEmpty(request.AppId),
        NullIfEmpty(request.Provider),
        NullIfEmpty(request.Model),
        request.CallType switch
        {
            "" => null,
            "chat" => DomainUsage.CallType.Chat,
            "embedding" => DomainUsage.CallType.Embedding,
            "image" => DomainUsage.CallType.Image,
            _ => throw Invalid("call_type", $"call_type must be chat, embedding or image, not \"{request.CallType}\"."),
        },
        request.Status switch
        {
            "" => null,
            "succeeded" => DomainUsage.CallStatus.Succeeded,
            "failed" => DomainUsage.CallStatus.Failed,
            "cancelled" => DomainUsage.CallStatus.Cancelled,
            _ => throw Invalid("status", $"status must be succeeded, failed or cancelled, not \"{request.Status}\"."),
        },
        request.HasMinLatencyMs ? request.MinLatencyMs : null,
        NullIfEmpty(request.TeamId));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [Identity.HubAccess(null)]
    public override async Task<GetUsageStatisticsResponse> GetUsageStatistics(GetUsageStatisticsRequest request, ServerCallContext context)
    {
        var granularity = request.Granularity.ToLowerInvariant() switch
        {
            "" or "hour" => UsageGranularity.Hour,
            "day" => UsageGranularity.Day,
            _ => throw Invalid("granularity", $"granularity must be \"hour\" or \"day\", not \"{request.Granularity}\"."),
        };
        var grouping = request.GroupBy.ToLowerInvariant() switch
        {
            "" or "none" => UsageGrouping.None,
            "provider" => UsageGrouping.Provider,
            "model" => UsageGrouping.Model,
            "user" => UsageGrouping.User,
            "app" => UsageGrouping.App,
            "call_type" => UsageGrouping.CallType,
            "team" => UsageGrouping.Team,
            _ => throw Invalid("group_by", $"group_by must be one of none, provider, model, user, app, call_type, team; not \"{request.GroupBy}\"."),
        };
        var to = request.To?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
        var span = granularity == UsageGranularity.Hour ? TimeSpan.FromHours(24) : TimeSpan.FromDays(30);
        if (request.From is null && to < DateTimeOffset.MinValue + span)
        {
            throw Invalid("to", $"to must be at least {span.TotalDays:0.#} day(s) after 0001-01-01 when from is left out.");
        }

        var from = request.From?.ToDateTimeOffset() ?? to - span;

        var statistics = await mediator.Send(
            new GetUsageStatisticsQuery(from, to, granularity, grouping, NullIfEmpty(request.UserId), NullIfEmpty(request.TeamId)),
            context.CancellationToken);

        var response = new GetUsageStatisticsResponse
        {
            From = Timestamp.FromDateTimeOffset(statistics.From),
            To = Timestamp.FromDateTimeOffset(statistics.To),
            Granularity = granularity == UsageGranularity.Hour ? "hour" : "day",
            GroupBy = grouping == UsageGrouping.CallType ? "call_type" : grouping.ToString().ToLowerInvariant(),
            Zone = statistics.Zone,
            Totals = ToMessage(statistics.Totals),
            Stale = statistics.Stale,
        };
        response.Groups.AddRange(statistics.Groups.Select(g => new V1.UsageGroupTotal { Group = g.Group, Figures = ToMessage(g.Figures) }));
        response.Series.AddRange(statistics.Series.Select(p => new V1.UsagePoint
        {
            Start = Timestamp.FromDateTimeOffset(p.Start),
            Group = p.Group,
            Figures = ToMessage(p.Figures),
        }));
        return response;
    }

    [Identity.HubAccess(null)]
    public override async Task<ListUsageReportsResponse> ListUsageReports(ListUsageReportsRequest request, ServerCallContext context)
    {
        var reports = await mediator.Send(
            new ListUsageReportsQuery(
                KindOrNull(request.Kind),
                NullIfEmpty(request.Scope),
                DayOrNull(request.From, "from"),
                DayOrNull(request.To, "to"),
                request.Limit == 0 ? ListUsageReportsQuery.DefaultLimit : request.Limit),
            context.CancellationToken);
        var response = new ListUsageReportsResponse();
        response.Reports.AddRange(reports.Select(r => new UsageReportSummary
        {
            Id = r.Id,
            Kind = KindName(r.Kind),
            Scope = r.Scope,
            Period = r.Period.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Zone = r.Zone,
            Start = Timestamp.FromDateTimeOffset(r.Start),
            End = Timestamp.FromDateTimeOffset(r.End),
            GeneratedAt = Timestamp.FromDateTimeOffset(r.GeneratedAt),
            Calls = r.Totals.Calls,
            Failures = r.Totals.Failures,
            TotalTokens = r.Totals.TotalTokens,
            Credits = BillingMessages.Text(r.Totals.Credits),
            CostUsd = BillingMessages.Text(r.Totals.CostUsd),
            ErrorRate = r.ErrorRate,
        }));
        return response;
    }

    [Identity.HubAccess(null)]
    public override async Task<GetUsageReportResponse> GetUsageReport(GetUsageReportRequest request, ServerCallContext context)
    {
        var format = ReportFormat(request.Format);
        var report = await mediator.Send(new GetUsageReportQuery(request.Id), context.CancellationToken);
        var (fileName, contentType, content) = Rest.Usage.ReportFiles.Render(report, format);
        return new GetUsageReportResponse { Filename = fileName, ContentType = contentType, Content = content };
    }

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminWrite, AdminRole = true)]
    public override async Task<GenerateUsageReportsResponse> GenerateUsageReports(GenerateUsageReportsRequest request, ServerCallContext context)
    {
        var kind = KindOrNull(request.Kind) ?? throw Invalid("kind", "kind must be \"daily\" or \"weekly\".");
        var generated = await mediator.Send(new GenerateUsageReportsCommand(kind, DayOrNull(request.Period, "period")), context.CancellationToken);
        return new GenerateUsageReportsResponse
        {
            Kind = KindName(generated.Kind),
            Period = generated.Period.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Start = Timestamp.FromDateTimeOffset(generated.Start),
            End = Timestamp.FromDateTimeOffset(generated.End),
            Reports = generated.Reports,
            Calls = generated.Calls,
            HubReportId = generated.HubReportId,
        };
    }

    /// <summary>"json" (also when empty) or "csv"; anything else is a 400 naming `format`.</summary>
    internal static string ReportFormat(string format) => format.ToLowerInvariant() switch
    {
        "" or "json" => "json",
        "csv" => "csv",
        _ => throw Invalid("format", $"format must be \"json\" or \"csv\", not \"{format}\"."),
    };

    private static ReportKind? KindOrNull(string kind) => kind.ToLowerInvariant() switch
    {
        "" => null,
        "daily" => ReportKind.Daily,
        "weekly" => ReportKind.Weekly,
        _ => throw Invalid("kind", $"kind must be \"daily\" or \"weekly\", not \"{kind}\"."),
    };

    private static string KindName(ReportKind kind) => kind == ReportKind.Daily ? "daily" : "weekly";

    private static DateOnly? DayOrNull(string value, string field) =>
        value.Length == 0 ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day) ? day
        : throw Invalid(field, $"{field} must be a day as yyyy-MM-dd, not \"{value}\".");

    private static RequestValidationException Invalid(string field, string message) => new([new FieldViolation(field, message)]);

    private static V1.UsageFigures ToMessage(Domain.Usage.Statistics.UsageFigures figures) => ContractMapping.Map<V1.UsageFigures>(figures);

    internal static CallRecord ToMessage(DomainUsage.CallRecord record) => ContractMapping.Map<CallRecord>(record);
}
