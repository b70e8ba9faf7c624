namespace AigneHub.Application.Billing.Rates.Commands.SetModelRateFromUnitCost;

internal sealed class SetModelRateFromUnitCostCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time)
    : ICommandHandler<SetModelRateFromUnitCostCommand, RateView>
{
    public async ValueTask<RateView> Handle(SetModelRateFromUnitCostCommand command, CancellationToken cancellationToken)
    {
        var settings = await BillingStreams.LoadSettingsAsync(store, cancellationToken);
        var values = DomainRules.Run(() => RateDecisions.FromUnitCosts(command.UnitCosts, settings, command.Deprecated));
        var rate = await BillingStreams.ChangeRateAsync(store, ModelRate.StreamIdFor(command.Type, command.Provider, command.Model), current =>
            RateDecisions.Set(current, new NewRate(command.Type, command.Provider, command.Model, values, "unit-cost"), command.Actor, time.GetUtcNow()),
            cancellationToken);
        cache.Invalidate();
        return RateView.From(rate!);
    }
}
