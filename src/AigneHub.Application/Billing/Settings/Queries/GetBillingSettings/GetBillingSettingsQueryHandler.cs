namespace AigneHub.Application.Billing.Settings.Queries.GetBillingSettings;

internal sealed class GetBillingSettingsQueryHandler(IDocumentStore store) : IQueryHandler<GetBillingSettingsQuery, BillingSettingsView>
{
    public async ValueTask<BillingSettingsView> Handle(GetBillingSettingsQuery query, CancellationToken cancellationToken) =>
        BillingSettingsView.From(await BillingStreams.LoadSettingsAsync(store, cancellationToken));
}
