namespace AigneHub.Application.Billing.Rates.Commands.SetModelRate;

internal sealed class SetModelRateCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time) : ICommandHandler<SetModelRateCommand, RateView>
{
    public async ValueTask<RateView> Handle(SetModelRateCommand command, CancellationToken cancellationToken)
    {
        var rate = await BillingStreams.ChangeRateAsync(store, ModelRate.StreamIdFor(command.Type, command.Provider, command.Model), current =>
            RateDecisions.Set(current, new NewRate(command.Type, command.Provider, command.Model, command.Values, RateDecisions.ManualSource), command.Actor, time.GetUtcNow()),
            cancellationToken);
        cache.Invalidate();
        return RateView.From(rate!);
    }
}
