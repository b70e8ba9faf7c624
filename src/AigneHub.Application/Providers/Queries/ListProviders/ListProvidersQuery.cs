namespace AigneHub.Application.Providers.Queries.ListProviders;

/// <summary>Every registered provider, by name.</summary>
public sealed record ListProvidersQuery : IQuery<IReadOnlyList<ProviderView>>;
