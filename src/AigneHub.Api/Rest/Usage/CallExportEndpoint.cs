using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Usage.Queries.ExportCalls;
using AigneHub.Domain.Usage;
using Google.Protobuf.WellKnownTypes;
using DomainCallRecord = AigneHub.Domain.Usage.CallRecord;

namespace AigneHub.Api.Rest.Usage;

/// <summary>
/// GET /api/usage/calls:export: the call history as CSV, newest first, with the filters of GET /api/usage/calls. The
/// rows are written as the database pages arrive (one page of records in memory at a time), so a range of any size
/// streams. Errors found before the first row (bad filter, no key, someone else's calls) answer in the
/// google.rpc.Status shape like the other /api routes.
/// </summary>
internal static class CallExportEndpoint
{
    public const string Route = "/api/usage/calls:export";

    public const string Columns =
        "id,started_at,request_id,user_id,app_id,key_id,provider,model,credential_id,call_type,streamed,status,error_kind," +
        "prompt_tokens,completion_tokens,cached_tokens,total_tokens,images,credits_charged,cost_usd,rate_id,rate_version," +
        "ttfb_ms,provider_ttfb_ms,latency_ms,trace_id";

    private const int FlushEveryRows = 1000;

    public static IEndpointRouteBuilder MapCallExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, ExportAsync).WithMetadata(new HubAccessAttribute(null));
        return app;
    }

    private static async Task ExportAsync(HttpContext context, IMediator mediator)
    {
        IAsyncEnumerator<DomainCallRecord>? records = null;
        bool any;
        try
        {
            var filter = UsageService.FilterFrom(RequestFrom(context.Request.Query));
            records = mediator.CreateStream(new ExportCallsQuery(filter), context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
            any = await records.MoveNextAsync();
        }
        catch (HubException ex)
        {
            if (records is not null)
            {
                await records.DisposeAsync();
            }

            await AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
            return;
        }

        await using (records)
        {
            var response = context.Response;
            response.ContentType = "text/csv; charset=utf-8";
            response.Headers.ContentDisposition = $"attachment; filename=\"calls-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}.csv\"";
            response.Headers.CacheControl = "no-store";

            await using var writer = new StreamWriter(response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
            await writer.WriteAsync(Columns);
            await writer.WriteAsync("\r\n");
            var line = new StringBuilder(512);
            var rows = 0;
            while (any)
            {
                line.Clear();
                AppendRow(line, records.Current);
                await writer.WriteAsync(line, context.RequestAborted);
                if (++rows % FlushEveryRows == 0)
                {
                    await writer.FlushAsync(context.RequestAborted);
                }

                any = await records.MoveNextAsync();
            }

            await writer.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>The filters, read from the query string under the same names as GET /api/usage/calls.</summary>
    private static ListCallsRequest RequestFrom(IQueryCollection query)
    {
        var request = new ListCallsRequest
        {
            UserId = query["user_id"].ToString(),
            AppId = query["app_id"].ToString(),
            TeamId = query["team_id"].ToString(),
            Provider = query["provider"].ToString(),
            Model = query["model"].ToString(),
            CallType = query["call_type"].ToString(),
            Status = query["status"].ToString(),
        };
        if (Instant(query, "from") is { } from)
        {
            request.From = from;
        }

        if (Instant(query, "to") is { } to)
        {
            request.To = to;
        }

        if (query["min_latency_ms"].ToString() is { Length: > 0 } minLatency)
        {
            request.MinLatencyMs = double.TryParse(minLatency, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && double.IsFinite(ms)
                ? ms
                : throw Invalid("min_latency_ms", "min_latency_ms must be a number of milliseconds.");
        }

        return request;
    }

    private static Timestamp? Instant(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Timestamp.FromDateTimeOffset(at)
            : throw Invalid(name, $"{name} must be an RFC 3339 time such as 2026-11-23T00:00:00Z.");
    }

    private static RequestValidationException Invalid(string field, string message) => new([new FieldViolation(field, message)]);

    internal static void AppendRow(StringBuilder line, DomainCallRecord record)
    {
        line.Append(record.Id.ToString()).Append(',');
        line.Append(record.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)).Append(',');
        Text(line, record.RequestId);
        Text(line, record.UserId);
        Text(line, record.AppId);
        Text(line, record.KeyId);
        Text(line, record.Provider);
        Text(line, record.Model);
        Text(line, record.CredentialId);
        line.Append(record.CallType.ToString().ToLowerInvariant()).Append(',');
        line.Append(record.Streamed ? "true" : "false").Append(',');
        line.Append(record.Status.ToString().ToLowerInvariant()).Append(',');
        line.Append(record.ErrorKind == ErrorKind.None ? string.Empty : ContractMapping.SnakeCase(record.ErrorKind.ToString())).Append(',');
        Number(line, record.PromptTokens);
        Number(line, record.CompletionTokens);
        Number(line, record.CachedTokens);
        Number(line, record.TotalTokens);
        Number(line, record.Images);
        line.Append(record.CreditsCharged is { } credits ? BillingMessages.Text(credits) : string.Empty).Append(',');
        line.Append(record.CostUsd is { } usd ? BillingMessages.Text(usd) : string.Empty).Append(',');
        Text(line, record.RateId);
        line.Append(record.RateVersion?.ToString(CultureInfo.InvariantCulture)).Append(',');
        Milliseconds(line, record.TtfbMs);
        Milliseconds(line, record.ProviderTtfbMs);
        Milliseconds(line, record.LatencyMs);
        line.Append(record.TraceId).Append("\r\n");
    }

    private static void Number(StringBuilder line, long value) => line.Append(value.ToString(CultureInfo.InvariantCulture)).Append(',');

    private static void Milliseconds(StringBuilder line, double? ms) =>
        line.Append(ms is { } value ? Math.Round(value, 3).ToString(CultureInfo.InvariantCulture) : string.Empty).Append(',');

    /// <summary>
    /// RFC 4180 quoting, and a leading apostrophe for values a spreadsheet would run as a formula (=, +, -, @): app
    /// ids and model names come from clients.
    /// </summary>
    internal static void Text(StringBuilder line, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            var guarded = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
            if (guarded.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                line.Append('"').Append(guarded.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(guarded);
            }
        }

        line.Append(',');
    }
}
