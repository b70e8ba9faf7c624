using AigneHub.Application.Billing.Credits.Commands.RecordPayment;

namespace AigneHub.Api.Rest.Payments;

/// <summary>
/// POST /api/payments/webhook: a payment-completed notification
/// <c>{"payment_id","user_id","credits":"12.5","status":"completed"}</c>, signed (see <see cref="PaymentWebhookSignature"/>).
/// The signature is checked over the raw body before anything is parsed or written; a bad one answers 401. Every
/// refusal after that is a 4xx with a message the payment sender can show (400 for a bad field, 404 for a user the hub
/// does not know), so a sender never retries a payment that can never succeed.
/// </summary>
internal static partial class PaymentWebhookEndpoint
{
    public const string Route = "/api/payments/webhook";
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>A credits string may have a sign and an exponent, so "-5" and "7.9e28" are refused for what they are, not as unreadable.</summary>
    private const NumberStyles CreditsStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>The payment provider authenticates by the HMAC signature of the body, not by a hub key.</summary>
    public static IEndpointRouteBuilder MapPaymentWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext context, IMediator mediator, IOptions<PaymentWebhookOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(PaymentWebhookEndpoint));
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.Secret))
        {
            return Error(StatusCodes.Status404NotFound, "not_found", "The payment webhook is not configured on this hub.");
        }

        byte[]? body;
        try
        {
            body = await ReadAsync(context.Request, context.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            // A body that arrives too slowly (Kestrel's minimum data rate) or is cut short: the sender's problem, said
            // in the error envelope, not an unhandled exception with an empty answer.
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            LogRefused(logger, error.Message);
            return Error(error.HttpStatus, error.Type, error.Message);
        }

        if (body is null)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, HubErrorMapper.InvalidRequest, "The notification is too large.");
        }

        var refusal = PaymentWebhookSignature.Check(
            settings.Secret,
            context.Request.Headers[PaymentWebhookSignature.TimestampHeader],
            context.Request.Headers[PaymentWebhookSignature.SignatureHeader],
            body,
            time.GetUtcNow(),
            TimeSpan.FromSeconds(settings.ToleranceSeconds));
        if (refusal is not null)
        {
            LogRefused(logger, refusal);
            return Error(StatusCodes.Status401Unauthorized, HubErrorMapper.AuthenticationError, refusal);
        }

        if (!TryRead(body, out var notification, out var problem))
        {
            return Error(StatusCodes.Status400BadRequest, HubErrorMapper.InvalidRequest, problem);
        }

        if (notification.Status != "completed")
        {
            // Only completed payments grant credits; other notifications are acknowledged so the sender stops retrying.
            return Results.Json(new { received = true, granted = false });
        }

        PaymentOutcome outcome;
        try
        {
            outcome = await mediator.Send(new RecordPaymentCommand(notification.PaymentId, notification.UserId, notification.Credits), context.RequestAborted);
        }
        catch (HubException ex)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            LogRefused(logger, error.Message);
            return Error(error.HttpStatus, error.Type, error.Message, error.Code, error.Param);
        }

        LogPayment(logger, notification.PaymentId, outcome.Granted);
        return Results.Json(new
        {
            received = true,
            granted = outcome.Granted,
            available = outcome.Balance.Available.ToString("0.######", CultureInfo.InvariantCulture),
        });
    }

    private static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool TryRead(byte[] body, out Notification notification, out string problem)
    {
        notification = default;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "The notification must be a JSON object.";
                return false;
            }

            var paymentId = String(root, "payment_id");
            var userId = String(root, "user_id");
            var status = String(root, "status");
            decimal? credits = root.TryGetProperty("credits", out var c) switch
            {
                true when c.ValueKind == JsonValueKind.String && decimal.TryParse(c.GetString(), CreditsStyle, CultureInfo.InvariantCulture, out var parsed) => parsed,
                true when c.ValueKind == JsonValueKind.Number && c.TryGetDecimal(out var number) => number,
                _ => null,
            };
            if (paymentId is null || userId is null || credits is null)
            {
                problem = "The notification needs payment_id, user_id and credits (a decimal string or number such as \"25.5\", at most 28 digits).";
                return false;
            }

            if (status is null)
            {
                // A notification that does not say the payment completed must not be taken for one that did.
                problem = "The notification needs status (\"completed\" grants the credits; any other status is acknowledged and ignored).";
                return false;
            }

            notification = new Notification(paymentId, userId, credits.Value, status);
            problem = string.Empty;
            return true;
        }
        catch (JsonException)
        {
            problem = "The notification is not valid JSON.";
            return false;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IResult Error(int status, string type, string message, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, code, param } }, statusCode: status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment webhook refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId} received; credits granted: {Granted}")]
    private static partial void LogPayment(ILogger logger, string paymentId, bool granted);

    private readonly record struct Notification(string PaymentId, string UserId, decimal Credits, string Status);
}
