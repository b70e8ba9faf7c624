using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access;

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

    /// <summary>
    /// Changes a key the caller may see (decided with its owner, for the rule on who may act on whom), drops the cached
    /// keys so the change holds on the next call, and answers with the key as it is now and its last use.
    /// </summary>
    public static async Task<AccessKeyView> ChangeKeyAsync(
        IDocumentStore store,
        IAccessCacheInvalidation cache,
        string keyId,
        string? ownedBy,
        long? expectedVersion,
        Func<AccessKey, HubUser, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
    {
        var keyOwner = await LoadKeyOwnerAsync(store, keyId, ownedBy, cancellationToken);
        var key = await EventStreams.ChangeAsync<AccessKey>(store, Key(keyId), expectedVersion, current => decide(current, keyOwner), cancellationToken);
        await cache.InvalidateAsync(cancellationToken);
        await using var session = store.QuerySession();
        return AccessKeyView.From(key, await LastUseAsync(session, key.Id, cancellationToken));
    }

    /// <summary>
    /// Disables or enables a user, then drops the cached keys so the change holds on the next call here.
    /// <paramref name="expectedVersion"/> 0 is any version.
    /// </summary>
    public static async Task<UserView> ChangeStandingAsync(
        IDocumentStore store,
        IAccessCacheInvalidation cache,
        string userId,
        int expectedVersion,
        Func<HubUser, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
    {
        var user = await EventStreams.ChangeAsync(store, User(userId), expectedVersion == 0 ? null : expectedVersion, decide, cancellationToken);
        await cache.InvalidateAsync(cancellationToken);
        return UserView.From(user);
    }

    public static async Task<DateTimeOffset?> LastUseAsync(IQuerySession session, string keyId, CancellationToken cancellationToken) =>
        (await session.LoadAsync<AccessKeyLastUse>(keyId, cancellationToken))?.At;
}
