using AigneHub.Infrastructure.Usage.Reports;

namespace AigneHub.Infrastructure.Budgets;

/// <summary>Delivers a soft-threshold notice to <c>Budgets:WebhookUrl</c>; a failed delivery throws so Hangfire retries it.</summary>
public sealed partial class BudgetAlertJobs(IHttpClientFactory httpClients, IOptions<BudgetOptions> options, TimeProvider time, ILogger<BudgetAlertJobs> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task DeliverAsync(BudgetAlert alert, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.WebhookUrl is not { } url)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new { type = "budget.soft_limit_reached", alert }, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(settings.WebhookSecret))
        {
            request.Headers.Add("X-AigneHub-Signature", ReportJobs.Sign(settings.WebhookSecret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        }

        using var response = await httpClients.CreateClient(ReportJobs.WebhookClient).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The budget webhook answered {(int)response.StatusCode} for budget {alert.BudgetId}; Hangfire retries the delivery.");
        }

        LogDelivered(logger, alert.BudgetId, (int)response.StatusCode);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Soft-threshold notice of spend budget {BudgetId} delivered ({Status})")]
    private static partial void LogDelivered(ILogger logger, string budgetId, int status);
}
