namespace AigneHub.Application.Billing.Credits.Commands.RecordPayment;

/// <summary>
/// A completed payment (from the signed webhook): grants the purchased credits to a registered user, once per payment
/// id. The user id is matched ignoring case (see <see cref="CreditRecipients"/>).
/// </summary>
public sealed record RecordPaymentCommand(string PaymentId, string UserId, decimal Credits) : ICommand<PaymentOutcome>;

/// <param name="Granted">False when this payment id was already granted (a replay): nothing changed.</param>
public sealed record PaymentOutcome(bool Granted, CreditBalanceView Balance);
