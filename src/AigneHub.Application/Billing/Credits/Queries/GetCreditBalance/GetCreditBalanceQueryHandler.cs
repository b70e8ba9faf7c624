using AigneHub.Application.Billing.Common;
using AigneHub.Domain.Billing;
using Marten;
using Mediator;

namespace AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;

internal sealed class GetCreditBalanceQueryHandler(IDocumentStore store) : IQueryHandler<GetCreditBalanceQuery, CreditBalanceView>
{
    public async ValueTask<CreditBalanceView> Handle(GetCreditBalanceQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var settings = await BillingStreams.LoadSettingsAsync(session, cancellationToken);
        var streamId = CreditAccount.StreamIdFor(query.UserId);
        var account = query.AsOf is { } asOf
            ? await session.Events.AggregateStreamAsync<CreditAccount>(streamId, timestamp: asOf, token: cancellationToken)
            : await session.LoadAsync<CreditAccount>(streamId, cancellationToken);
        return CreditBalanceView.From(query.UserId, account, settings.CurrencyPrefix);
    }
}
