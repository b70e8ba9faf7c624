using AigneHub.Infrastructure.Persistence;
using AigneHub.Tests.Shared;
using Marten;

namespace AigneHub.IntegrationTests;

/// <summary>A test on a fresh database of its own with the hub's Marten configuration, its schema applied at the start.</summary>
public abstract class HubStoreTest(string purpose) : IAsyncLifetime
{
    protected DocumentStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync(purpose);
        Store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public Task DisposeAsync()
    {
        Store.Dispose();
        return Task.CompletedTask;
    }
}
