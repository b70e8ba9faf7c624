namespace AigneHub.Application.Billing.Credits.Commands.RecordPayment;

internal sealed class RecordPaymentCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time) : ICommandHandler<RecordPaymentCommand, PaymentOutcome>
{
    public async ValueTask<PaymentOutcome> Handle(RecordPaymentCommand command, CancellationToken cancellationToken)
    {
        var userId = await CreditRecipients.CanonicalAsync(store, command.UserId, cancellationToken);
        var settings = await cache.SettingsAsync(cancellationToken);
        var grant = new NewGrant(Guid.CreateVersion7(), command.Credits, GrantSource.Purchase, null, command.PaymentId);
        var (granted, account) = await CreditAccounts.GrantAsync(store, userId, settings, time, grant, "payment-webhook", cancellationToken);
        return new PaymentOutcome(granted, CreditBalanceView.From(userId, account, settings.CurrencyPrefix));
    }
}
