namespace AigneHub.Application.Providers.Queries.GetProvider;

public sealed record GetProviderQuery(string Provider) : IQuery<ProviderView>;
