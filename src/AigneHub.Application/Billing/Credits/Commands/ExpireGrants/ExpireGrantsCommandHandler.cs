using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Credits.Commands.ExpireGrants;

internal sealed class ExpireGrantsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time) : ICommandHandler<ExpireGrantsCommand, ExpiryReport>
{
    public async ValueTask<ExpiryReport> Handle(ExpireGrantsCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<string> userIds;
        await using (var session = store.QuerySession())
        {
            userIds = await session.Query<CreditAccount>()
                .Where(a => a.Grants.Any(g => g.ExpiresAt <= now && g.Remaining > 0))
                .Select(a => a.UserId)
                .ToListAsync(cancellationToken);
        }

        var settings = await cache.SettingsAsync(cancellationToken);
        var accounts = 0;
        var expired = 0m;
        foreach (var userId in userIds)
        {
            var amount = 0m;
            await CreditAccounts.ChangeAsync(store, userId, settings, time, account =>
            {
                var events = CreditLedger.ExpireGrants(account, now);
                amount = events.OfType<GrantExpired>().Sum(e => e.Amount);
                return events;
            },
            cancellationToken);
            if (amount > 0)
            {
                accounts++;
                expired += amount;
            }
        }

        return new ExpiryReport(accounts, expired);
    }
}
