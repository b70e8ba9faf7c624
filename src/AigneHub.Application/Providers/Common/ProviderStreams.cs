using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Providers;
using JasperFx;
using Marten;

namespace AigneHub.Application.Providers.Common;

/// <summary>
/// The one way provider streams are written: fetch for writing at the version the caller last saw, decide, append,
/// save once. A stale version or a concurrent writer becomes <see cref="ConflictException"/> (409 / ABORTED).
/// </summary>
internal static class ProviderStreams
{
    public static async Task<ProviderView> ChangeAsync(
        IDocumentStore store,
        string provider,
        int expectedVersion,
        Func<ProviderConfig, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        try
        {
            var stream = await session.Events.FetchForWriting<ProviderConfig>(provider, cancellationToken);
            var current = stream.Aggregate ?? throw new ResourceNotFoundException("provider", $"The provider '{provider}' is not registered.");
            if (current.Version != expectedVersion)
            {
                throw Stale(provider, expectedVersion, current.Version);
            }

            var events = decide(current);
            if (events.Count == 0)
            {
                return ProviderView.From(current);
            }

            stream.AppendMany(events);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (ConcurrencyException)
        {
            throw new ConflictException($"The provider '{provider}' was changed by someone else; read it again and retry.");
        }

        return await LoadAsync(store, provider, cancellationToken);
    }

    /// <summary>
    /// Appends what the hub observed (a credential check and what follows from it) to the stream as it is now: the
    /// caller saw no version to expect, so a concurrent writer only means deciding again on the newer state.
    /// </summary>
    public static async Task<ProviderView> ObserveAsync(
        IDocumentStore store,
        string provider,
        Func<ProviderConfig, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
    {
        const int maxAttempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            try
            {
                var stream = await session.Events.FetchForWriting<ProviderConfig>(provider, cancellationToken);
                var current = stream.Aggregate ?? throw new ResourceNotFoundException("provider", $"The provider '{provider}' is not registered.");
                var events = decide(current);
                if (events.Count == 0)
                {
                    return ProviderView.From(current);
                }

                stream.AppendMany(events);
                await session.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (ConcurrencyException) when (attempt < maxAttempts)
            {
                // Someone else wrote to the provider meanwhile: decide again on what they wrote.
            }
            catch (ConcurrencyException)
            {
                throw new ConflictException($"The provider '{provider}' kept changing while the hub recorded a check; try again.");
            }
        }

        return await LoadAsync(store, provider, cancellationToken);
    }

    public static async Task<ProviderView> StartAsync(IDocumentStore store, string provider, object registered, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        try
        {
            session.Events.StartStream<ProviderConfig>(provider, registered);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            throw new ConflictException($"The provider '{provider}' is already registered.");
        }

        return await LoadAsync(store, provider, cancellationToken);
    }

    public static async Task<ProviderView> LoadAsync(IDocumentStore store, string provider, CancellationToken cancellationToken) =>
        ProviderView.From(await LoadConfigAsync(store, provider, cancellationToken));

    public static async Task<ProviderConfig> LoadConfigAsync(IDocumentStore store, string provider, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<ProviderConfig>(provider, cancellationToken)
            ?? throw new ResourceNotFoundException("provider", $"The provider '{provider}' is not registered.");
    }

    private static ConflictException Stale(string provider, int expected, int actual) =>
        new($"The provider '{provider}' is at version {actual}, not {expected}: read it again and retry.");
}
