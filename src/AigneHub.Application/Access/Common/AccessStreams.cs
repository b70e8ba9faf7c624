using AigneHub.Application.Common.EventSourcing;
using AigneHub.Domain.Access;
using Marten;

namespace AigneHub.Application.Access.Common;

/// <summary>
/// The user, key and team streams as callers are told about them (written through <see cref="EventStreams"/>), and
/// the reads that access commands share.
/// </summary>
internal static class AccessStreams
{
    public static StreamSubject User(string userId) => new(userId, $"The user '{userId}'", "user_id", $"There is no user '{userId}'.");

    public static StreamSubject Key(string keyId) => new(keyId, $"The access key '{keyId}'", "key_id", $"There is no access key '{keyId}'.");

    public static StreamSubject Team(string teamId) => new(teamId, $"The team '{teamId}'", "team_id", $"There is no team '{teamId}'.");

    public static async Task<HubUser> LoadUserAsync(IQuerySession session, string userId, CancellationToken cancellationToken) =>
        await session.LoadAsync<HubUser>(userId, cancellationToken) ?? throw User(userId).Missing();

    public static async Task<AccessKey> LoadKeyAsync(IQuerySession session, string keyId, CancellationToken cancellationToken) =>
        await session.LoadAsync<AccessKey>(keyId, cancellationToken) ?? throw Key(keyId).Missing();

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

    public static async Task<DateTimeOffset?> LastUseAsync(IQuerySession session, string keyId, CancellationToken cancellationToken) =>
        (await session.LoadAsync<AccessKeyLastUse>(keyId, cancellationToken))?.At;
}
