namespace AigneHub.Application.Providers.Queries.GetHubStatus;

internal sealed class GetHubStatusQueryHandler(IProviderCatalog catalog) : IQueryHandler<GetHubStatusQuery, HubStatusView>
{
    public ValueTask<HubStatusView> Handle(GetHubStatusQuery query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(query.Model))
        {
            return ValueTask.FromResult(new HubStatusView(ProviderNames.All.Any(p => catalog.Availability(p) == ProviderAvailability.Ready), null));
        }

        // The validator has refused names that do not parse.
        var name = ModelName.TryParse(query.Model, out var parsed) ? parsed : throw new InvalidOperationException("GetHubStatusQuery reached its handler with an invalid model name.");
        return ValueTask.FromResult(catalog.Serves(name)
            ? new HubStatusView(true, null)
            : new HubStatusView(false, $"No provider on this hub serves '{query.Model}'."));
    }
}
