namespace AigneHub.Api.Rest.Payments;

/// <summary>The payment webhook (section "Billing:Webhook"). Without a secret the webhook is off and answers 404.</summary>
public sealed class PaymentWebhookOptions
{
    public const string Section = "Billing:Webhook";

    /// <summary>The secret shared with the payment service; it signs every notification with HMAC-SHA256.</summary>
    [MinLength(16)]
    public string? Secret { get; set; }

    /// <summary>How far a notification's timestamp may be from the hub's clock, either way (replays of old notifications are refused).</summary>
    [Range(1, 3600)]
    public int ToleranceSeconds { get; set; } = 300;
}
