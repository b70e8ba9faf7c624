using AigneHub.Application.Billing.Common;
using AigneHub.Domain.Billing;
using Marten;
using Mediator;

namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

internal sealed class GrantCreditsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time) : ICommandHandler<GrantCreditsCommand, CreditBalanceView>
{
    public async ValueTask<CreditBalanceView> Handle(GrantCreditsCommand command, CancellationToken cancellationToken)
    {
        var settings = await cache.SettingsAsync(cancellationToken);
        var grantId = Guid.CreateVersion7();
        var account = await CreditAccounts.ChangeAsync(store, command.UserId, settings, time, current =>
            CreditRules.Run(() => CreditLedger.Grant(current, grantId, command.Amount, command.Source, command.ExpiresAt, command.Reference, command.Actor, time.GetUtcNow())),
            cancellationToken);
        return CreditBalanceView.From(command.UserId, account, settings.CurrencyPrefix);
    }
}
