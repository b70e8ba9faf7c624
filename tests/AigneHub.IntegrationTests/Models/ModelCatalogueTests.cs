using AigneHub.Application.Abstractions;
using AigneHub.Application.Models;
using AigneHub.Application.Models.Queries.ListModelCatalogue;
using AigneHub.Domain.Models;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Tests.Shared;
using Marten;

namespace AigneHub.IntegrationTests.Models;

/// <summary>The public model catalogue on a real PostgreSQL: a registered provider's own name, read without its credentials.</summary>
public sealed class ModelCatalogueTests : IAsyncLifetime
{
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync("catalogue");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_registered_providers_own_display_name_names_its_models_and_others_keep_the_well_known_name()
    {
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream<ProviderConfig>("openai", new ProviderRegistered("openai", "Team OpenAI", null, null, "admin", DateTimeOffset.UnixEpoch));
            await session.SaveChangesAsync();
        }

        var handler = new ListModelCatalogueQueryHandler(new Listing(
            new ModelDescriptor("openai/gpt-4o-mini", "openai", DateTimeOffset.UnixEpoch, ModelKind.Chat),
            new ModelDescriptor("anthropic/claude-3-5-haiku", "anthropic", DateTimeOffset.UnixEpoch, ModelKind.Chat)), _store);

        var entries = await handler.Handle(new ListModelCatalogueQuery(ListModelCatalogueQuery.Chat), CancellationToken.None);

        Assert.Equal(
            [("anthropic", "Anthropic"), ("openai", "Team OpenAI")],
            entries.Select(e => (e.Provider, e.ProviderDisplayName)));
    }

    /// <summary>A catalogue that only lists models; the catalogue query asks it nothing else.</summary>
    private sealed class Listing(params ModelDescriptor[] models) : IProviderCatalog
    {
        public IReadOnlyList<ModelDescriptor> ListModels() => models;

        public IReadOnlyList<IChatProvider> Resolve(ModelName model) => throw new NotSupportedException();

        public IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(ModelName model) => throw new NotSupportedException();

        public IReadOnlyList<IImageProvider> ResolveImages(ModelName model) => throw new NotSupportedException();

        public ProviderAvailability Availability(string provider) => throw new NotSupportedException();
    }
}
