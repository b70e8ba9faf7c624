using AigneHub.Application.Billing.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Billing;
using Marten;
using Mediator;

namespace AigneHub.Application.Billing.Credits.Commands.RecordPayment;

internal sealed class RecordPaymentCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time) : ICommandHandler<RecordPaymentCommand, PaymentOutcome>
{
    public async ValueTask<PaymentOutcome> Handle(RecordPaymentCommand command, CancellationToken cancellationToken)
    {
        var userId = await CreditRecipients.CanonicalAsync(store, command.UserId, cancellationToken);
        var settings = await cache.SettingsAsync(cancellationToken);
        var grantId = Guid.CreateVersion7();
        var granted = false;
        var account = await CreditAccounts.ChangeAsync(store, userId, settings, time, current =>
        {
            var events = DomainRules.Run(() => CreditLedger.Grant(current, new NewGrant(grantId, command.Credits, GrantSource.Purchase, null, command.PaymentId), "payment-webhook", time.GetUtcNow()));
            granted = events.Count > 0;
            return events;
        },
        cancellationToken);
        return new PaymentOutcome(granted, CreditBalanceView.From(userId, account, settings.CurrencyPrefix));
    }
}
