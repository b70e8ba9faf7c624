namespace AigneHub.Application.Billing.Settings.Commands.UpdateBillingSettings;

internal sealed class UpdateBillingSettingsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time)
    : ICommandHandler<UpdateBillingSettingsCommand, BillingSettingsView>
{
    public async ValueTask<BillingSettingsView> Handle(UpdateBillingSettingsCommand command, CancellationToken cancellationToken)
    {
        var settings = await BillingStreams.ChangeSettingsAsync(store, command.ExpectedVersion, current =>
            BillingDecisions.Change(current, command.Values, command.Actor, time.GetUtcNow()),
            cancellationToken);
        cache.Invalidate();
        return BillingSettingsView.From(settings);
    }
}
