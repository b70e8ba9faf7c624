using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Rates.Commands.RepriceModelRates;

internal sealed class RepriceModelRatesCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time)
    : ICommandHandler<RepriceModelRatesCommand, RepriceReport>
{
    public async ValueTask<RepriceReport> Handle(RepriceModelRatesCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = await BillingStreams.LoadSettingsAsync(store, cancellationToken);
        if (current.Version != command.ExpectedSettingsVersion)
        {
            throw new ConflictException($"The billing settings are at version {current.Version}, not {command.ExpectedSettingsVersion}: read them again and retry.");
        }

        var values = new BillingSettingsValues(
            current.Mode, command.BaseCreditPrice ?? current.BaseCreditPrice, command.ProfitMarginPercent ?? current.ProfitMarginPercent, current.CurrencyPrefix,
            current.NewUserGrant, current.NewUserGrantExpiryDays, current.PaymentLink, current.DefaultHoldTokens);
        var change = DomainRules.Run(() => BillingDecisions.Change(current, values, command.Actor, now));
        var target = change.Count == 0 ? current : BillingSettings.Create((BillingSettingsChanged)change[0]);
        target.Version = current.Version + change.Count;

        IReadOnlyList<ModelRate> rates;
        await using (var session = store.QuerySession())
        {
            rates = await session.Query<ModelRate>().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        }

        var changes = new List<RateChangeView>();
        foreach (var rate in rates)
        {
            // Decided for every rate before anything is written, so a price out of range refuses the whole reprice (400).
            if (DomainRules.Run(() => RateDecisions.Reprice(rate, target, command.Actor, now)) is [ModelRateSet repriced])
            {
                changes.Add(new RateChangeView(RateView.From(rate), RateView.From(repriced, rate.Version + 1)));
            }
        }

        if (command.DryRun)
        {
            return new RepriceReport(true, BillingSettingsView.From(target), changes);
        }

        var settings = change.Count == 0
            ? current
            : await BillingStreams.ChangeSettingsAsync(store, command.ExpectedSettingsVersion, s => BillingDecisions.Change(s, values, command.Actor, now), cancellationToken);
        var applied = new List<RateChangeView>();
        foreach (var rate in rates)
        {
            var before = RateView.From(rate);
            var after = await BillingStreams.ChangeRateAsync(store, rate.Id, latest => latest is null ? [] : RateDecisions.Reprice(latest, settings, command.Actor, now), cancellationToken);
            if (after is not null && after.Version != rate.Version)
            {
                applied.Add(new RateChangeView(before, RateView.From(after)));
            }
        }

        cache.Invalidate();
        return new RepriceReport(false, BillingSettingsView.From(settings), applied);
    }
}
