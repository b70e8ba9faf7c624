using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Billing;
using JasperFx;
using Marten;

namespace AigneHub.Application.Billing.Common;

/// <summary>
/// How the settings and rate streams are read and written: fetch for writing, decide, append, save once. A stale
/// expected version or a concurrent writer becomes <see cref="ConflictException"/> (409 / ABORTED).
/// </summary>
internal static class BillingStreams
{
    public static async Task<BillingSettings> LoadSettingsAsync(IQuerySession session, CancellationToken cancellationToken) =>
        await session.LoadAsync<BillingSettings>(BillingSettings.StreamId, cancellationToken) ?? BillingSettings.Defaults;

    public static async Task<BillingSettings> LoadSettingsAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await LoadSettingsAsync(session, cancellationToken);
    }

    /// <summary>Changes the settings at the version the caller last read (0 for the defaults, before any change).</summary>
    public static async Task<BillingSettings> ChangeSettingsAsync(
        IDocumentStore store, int expectedVersion, Func<BillingSettings, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        try
        {
            var stream = await session.Events.FetchForWriting<BillingSettings>(BillingSettings.StreamId, cancellationToken);
            var current = stream.Aggregate ?? BillingSettings.Defaults;
            var version = stream.Aggregate is null ? 0 : current.Version;
            if (version != expectedVersion)
            {
                throw new ConflictException($"The billing settings are at version {version}, not {expectedVersion}: read them again and retry.");
            }

            var events = decide(current);
            if (events.Count == 0)
            {
                return current;
            }

            stream.AppendMany(events);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (ConcurrencyException)
        {
            throw new ConflictException("The billing settings were changed by someone else; read them again and retry.");
        }

        return await LoadSettingsAsync(store, cancellationToken);
    }

    /// <summary>Appends a new rate version when the decision makes one; returns the rate as it is afterwards.</summary>
    public static async Task<ModelRate?> ChangeRateAsync(
        IDocumentStore store, string rateId, Func<ModelRate?, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await using (var session = store.LightweightSession())
        {
            try
            {
                var stream = await session.Events.FetchForWriting<ModelRate>(rateId, cancellationToken);
                var events = decide(stream.Aggregate);
                if (events.Count == 0)
                {
                    return stream.Aggregate;
                }

                stream.AppendMany(events);
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyException)
            {
                throw new ConflictException($"The rate {rateId} was changed by someone else at the same time; read it again and retry.");
            }
        }

        await using var query = store.QuerySession();
        return await query.LoadAsync<ModelRate>(rateId, cancellationToken);
    }
}
