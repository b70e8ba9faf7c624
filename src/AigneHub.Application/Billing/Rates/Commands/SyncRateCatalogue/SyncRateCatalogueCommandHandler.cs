using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Rates.Commands.SyncRateCatalogue;

internal sealed class SyncRateCatalogueCommandHandler(IDocumentStore store, IRateCatalogue catalogue, BillingCache cache, TimeProvider time)
    : ICommandHandler<SyncRateCatalogueCommand, RateSyncReport>
{

    public async ValueTask<RateSyncReport> Handle(SyncRateCatalogueCommand command, CancellationToken cancellationToken)
    {
        var entries = await catalogue.ReadAsync(cancellationToken);
        var settings = await BillingStreams.LoadSettingsAsync(store, cancellationToken);
        var now = time.GetUtcNow();
        var changes = new List<RateChangeView>();
        var skipped = new List<string>();
        var unchanged = 0;
        foreach (var entry in entries)
        {
            var rateId = ModelRate.StreamIdFor(entry.Type, entry.Provider, entry.Model);
            ModelRate? current;
            await using (var session = store.QuerySession())
            {
                current = await session.LoadAsync<ModelRate>(rateId, cancellationToken);
            }

            if (current?.Source == RateDecisions.ManualSource)
            {
                skipped.Add(rateId);
                continue;
            }

            var values = DomainRules.Run(() => RateDecisions.FromUnitCosts(entry.UnitCosts, settings, entry.Deprecated));
            var rate = new NewRate(entry.Type, entry.Provider, entry.Model, values, "catalogue");
            var decided = DomainRules.Run(() => RateDecisions.Set(current, rate, command.Actor, now));
            if (decided is not [ModelRateSet next])
            {
                unchanged++;
                continue;
            }

            RateView? before = current is null ? null : RateView.From(current);
            if (command.DryRun)
            {
                changes.Add(new RateChangeView(before, RateView.From(next, (current?.Version ?? 0) + 1)));
                continue;
            }

            var after = await BillingStreams.ChangeRateAsync(store, rateId, latest => latest?.Source == RateDecisions.ManualSource
                ? []
                : RateDecisions.Set(latest, rate, command.Actor, now), cancellationToken);
            changes.Add(new RateChangeView(before, RateView.From(after!)));
        }

        if (!command.DryRun && changes.Count > 0)
        {
            cache.Invalidate();
        }

        return new RateSyncReport(command.DryRun, catalogue.Source, changes, unchanged, skipped);
    }
}
