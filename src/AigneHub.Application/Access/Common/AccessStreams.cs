using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using JasperFx;
using Marten;

namespace AigneHub.Application.Access.Common;

/// <summary>
/// The one way user and key streams are written: fetch for writing at the version the caller last saw (when they
/// name one), decide, append, save once. A stale version or a concurrent writer becomes 409 / ABORTED.
/// </summary>
internal static class AccessStreams
{
    public static async Task<HubUser> LoadUserAsync(IQuerySession session, string userId, CancellationToken cancellationToken) =>
        await session.LoadAsync<HubUser>(userId, cancellationToken)
        ?? throw new ResourceNotFoundException("user_id", $"There is no user '{userId}'.");

    public static async Task<AccessKey> LoadKeyAsync(IQuerySession session, string keyId, CancellationToken cancellationToken) =>
        await session.LoadAsync<AccessKey>(keyId, cancellationToken)
        ?? throw new ResourceNotFoundException("key_id", $"There is no access key '{keyId}'.");

    /// <summary>
    /// The user a key belongs to (which never changes), for the rule on who may act on whom. On the self-service
    /// routes (<paramref name="ownedBy"/> set) a key of someone else answers as if it did not exist.
    /// </summary>
    public static async Task<HubUser> LoadKeyOwnerAsync(IDocumentStore store, string keyId, string? ownedBy, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var key = await LoadKeyAsync(session, keyId, cancellationToken);
        OwnedKeys.RequireOwner(key, ownedBy);
        return await LoadUserAsync(session, key.UserId, cancellationToken);
    }

    /// <param name="expectedVersion">The version the caller last read; null only for commands that are safe on any version (revoke).</param>
    public static async Task<T> ChangeAsync<T>(
        IDocumentStore store,
        string streamId,
        int? expectedVersion,
        string what,
        Func<T, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
        where T : class
    {
        await using var session = store.LightweightSession();
        try
        {
            var stream = await session.Events.FetchForWriting<T>(streamId, cancellationToken);
            var current = stream.Aggregate ?? throw new ResourceNotFoundException(what switch { "user" => "user_id", "team" => "team_id", _ => "key_id" }, $"There is no {what} '{streamId}'.");
            if (expectedVersion is { } expected && (stream.CurrentVersion ?? 0) != expected)
            {
                throw new ConflictException($"The {what} '{streamId}' is at version {stream.CurrentVersion ?? 0}, not {expected}: read it again and retry.");
            }

            var events = decide(current);
            if (events.Count > 0)
            {
                stream.AppendMany(events);
                await session.SaveChangesAsync(cancellationToken);
            }
        }
        catch (ConcurrencyException)
        {
            throw new ConflictException($"The {what} '{streamId}' was changed by someone else; read it again and retry.");
        }

        await using var query = store.QuerySession();
        return await query.LoadAsync<T>(streamId, cancellationToken)
            ?? throw new ResourceNotFoundException("id", $"There is no {what} '{streamId}'.");
    }

    public static async Task<DateTimeOffset?> LastUseAsync(IQuerySession session, string keyId, CancellationToken cancellationToken) =>
        (await session.LoadAsync<AccessKeyLastUse>(keyId, cancellationToken))?.At;
}
