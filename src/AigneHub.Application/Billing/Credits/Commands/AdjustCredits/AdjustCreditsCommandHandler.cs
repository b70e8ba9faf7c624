namespace AigneHub.Application.Billing.Credits.Commands.AdjustCredits;

internal sealed class AdjustCreditsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time, IKeyLimitDefaults limits)
    : ICommandHandler<AdjustCreditsCommand, CreditBalanceView>
{
    public async ValueTask<CreditBalanceView> Handle(AdjustCreditsCommand command, CancellationToken cancellationToken)
    {
        var userId = await CreditRecipients.CanonicalAsync(store, command.UserId, cancellationToken);
        await CreditRecipients.RequireMayChangeAsync(store, userId, command.By, limits, cancellationToken);
        var settings = await cache.SettingsAsync(cancellationToken);
        var adjustmentId = Guid.CreateVersion7();
        var account = await CreditAccounts.ChangeAsync(store, userId, settings, time, current =>
            [DomainRules.Run(() => CreditLedger.Adjust(current, adjustmentId, command.Amount, command.Reason, command.Actor, time.GetUtcNow()), settings.PaymentLink)],
            cancellationToken);
        return CreditBalanceView.From(userId, account, settings.CurrencyPrefix);
    }
}
