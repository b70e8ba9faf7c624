using System.Globalization;
using AigneHub.Application.Usage.Reports;
using AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;
using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Infrastructure.Usage.Reports;

/// <summary>
/// The Hangfire face of the usage reports: the scheduled daily and weekly generation (each run makes the period that
/// just ended; a re-run replaces it) and the webhook delivery (retried by Hangfire until the receiver accepts it).
/// Public because Hangfire activates it by its type name.
/// </summary>
public sealed partial class ReportJobs(
    IMediator mediator,
    IDocumentStore store,
    IHttpClientFactory httpClients,
    IOptions<ReportsOptions> options,
    TimeProvider time,
    ILogger<ReportJobs> logger)
{
    public const string DailyJobId = "usage-reports-daily";
    public const string WeeklyJobId = "usage-reports-weekly";
    public const string WebhookClient = "report-webhook";

    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [Queue(Jobs.JobQueues.Reports)]
    public async Task<GeneratedReports> GenerateAsync(ReportKind kind, CancellationToken cancellationToken) =>
        await mediator.Send(new GenerateUsageReportsCommand(kind), cancellationToken);

    /// <summary>POSTs a stored report to the webhook; a refusal or an unreachable receiver throws, so Hangfire retries.</summary>
    [AutomaticRetry(Attempts = 10)]
    [Queue(Jobs.JobQueues.Reports)]
    public async Task DeliverAsync(string reportId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.WebhookUrl is not { } url)
        {
            return;
        }

        await using var session = store.QuerySession();
        var report = await session.LoadAsync<UsageReport>(reportId, cancellationToken);
        if (report is null)
        {
            LogReportGone(logger, reportId);
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(report, ReportJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-AigneHub-Report", report.Id);
        if (!string.IsNullOrEmpty(settings.WebhookSecret))
        {
            request.Headers.Add("X-AigneHub-Signature", Sign(settings.WebhookSecret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        }

        using var response = await httpClients.CreateClient(WebhookClient).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The report webhook answered {(int)response.StatusCode} for report {report.Id}; Hangfire retries the delivery.");
        }

        LogDelivered(logger, report.Id, (int)response.StatusCode);
    }

    /// <summary>"t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;", as the payment webhook expects its own.</summary>
    public static string Sign(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered usage report {ReportId} to the webhook ({Status})")]
    private static partial void LogDelivered(ILogger logger, string reportId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage report {ReportId} was replaced before its delivery; the newer one is delivered by its own run")]
    private static partial void LogReportGone(ILogger logger, string reportId);
}

/// <summary>Queues the webhook delivery of a generated hub report as a Hangfire job (so failures are retried durably).</summary>
internal sealed class HangfireReportDelivery(IBackgroundJobClient jobs, IOptions<ReportsOptions> options) : IReportDelivery
{
    public Task DeliverAsync(string reportId, CancellationToken cancellationToken)
    {
        if (options.Value.WebhookUrl is not null)
        {
            jobs.Enqueue<ReportJobs>(job => job.DeliverAsync(reportId, CancellationToken.None));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Defines the report jobs on Hangfire's shared schedule at start-up, in the report zone, on instances that manage the
/// schedule (Hangfire:ManageSchedule); a bad cron stops the start. Reports:Enabled is this instance's switch (whether
/// its server works on the reports queue) and never removes a definition.
/// </summary>
internal sealed class ReportJobSchedule(IRecurringJobManager jobs, IOptions<ReportsOptions> options, IOptions<Jobs.HangfireOptions> hangfire) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!hangfire.Value.ManageSchedule)
        {
            return Task.CompletedTask;
        }

        var schedule = new RecurringJobOptions { TimeZone = settings.Zone() };
        Add(ReportJobs.DailyJobId, "Reports:DailyCron", settings.DailyCron, () => jobs.AddOrUpdate<ReportJobs>(
            ReportJobs.DailyJobId, job => job.GenerateAsync(ReportKind.Daily, CancellationToken.None), settings.DailyCron, schedule));
        Add(ReportJobs.WeeklyJobId, "Reports:WeeklyCron", settings.WeeklyCron, () => jobs.AddOrUpdate<ReportJobs>(
            ReportJobs.WeeklyJobId, job => job.GenerateAsync(ReportKind.Weekly, CancellationToken.None), settings.WeeklyCron, schedule));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Add(string id, string key, string cron, Action add)
    {
        try
        {
            add();
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException(key, typeof(ReportsOptions), [$"{key} \"{cron}\" is not a valid cron expression for job {id}: {ex.Message}"]);
        }
    }
}
