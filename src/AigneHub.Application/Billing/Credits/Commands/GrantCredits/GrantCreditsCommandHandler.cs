namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

internal sealed class GrantCreditsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time, IKeyLimitDefaults limits)
    : ICommandHandler<GrantCreditsCommand, GrantOutcome>
{
    public async ValueTask<GrantOutcome> Handle(GrantCreditsCommand command, CancellationToken cancellationToken)
    {
        var userId = await CreditRecipients.CanonicalAsync(store, command.UserId, cancellationToken);
        await CreditRecipients.RequireMayChangeAsync(store, userId, command.By, limits, cancellationToken);
        var settings = await cache.SettingsAsync(cancellationToken);
        var grant = new NewGrant(Guid.CreateVersion7(), command.Amount, command.Source, command.ExpiresAt, command.IdempotencyKey);
        var (granted, account) = await CreditAccounts.GrantAsync(store, userId, settings, time, grant, command.Actor, cancellationToken);
        return new GrantOutcome(granted, CreditBalanceView.From(userId, account, settings.CurrencyPrefix));
    }
}
