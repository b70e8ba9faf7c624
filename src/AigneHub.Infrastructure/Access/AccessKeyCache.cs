using System.Collections.Frozen;

namespace AigneHub.Infrastructure.Access;

/// <summary>
/// The keys and users as an in-memory snapshot that the call path reads without touching the database. A poll of one
/// statement (count and sum of versions of the key and user views) notices any change, from this instance or
/// another, within one refresh interval; only then is the snapshot rebuilt, reading again only the documents whose
/// version moved. A key created a moment ago on any
/// instance is loaded on its first use; unknown key ids are remembered until the next change so a guesser cannot
/// make every request hit the database. A change made on this instance refreshes the snapshot before its answer is
/// sent (<see cref="IAccessCacheInvalidation"/>), so it holds here at once.
/// </summary>
internal sealed partial class AccessKeyCache(
    IDocumentStore store,
    NpgsqlDataSource data,
    KeyUsageRecorder usage,
    TimeProvider time,
    IOptions<AccessOptions> options,
    ILogger<AccessKeyCache> logger) : IAccessKeyAuthenticator, IAccessCacheInvalidation, IHostedService
{
    private readonly CancellationTokenSource _stopping = new();

    // One rebuild at a time: a poll that read the views before a change must not overwrite the rebuild after it.
    private readonly SemaphoreSlim _rebuilding = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _unknown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedKey> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UserStanding> _loadedUsers = new(StringComparer.Ordinal);
    private volatile FrozenDictionary<string, CachedKey> _keys = FrozenDictionary<string, CachedKey>.Empty;
    private volatile FrozenDictionary<string, UserStanding> _users = FrozenDictionary<string, UserStanding>.Empty;
    private string _fingerprint = string.Empty;

    // The documents behind the snapshot, with the version each was read at, and the keys built from them: changed only
    // by a rebuild (under _rebuilding), which reads again only what moved.
    private readonly Dictionary<string, (long Version, AccessKey Document)> _keyDocs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Version, HubUser Document)> _userDocs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedKey> _built = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public async ValueTask<KeyAuthentication> AuthenticateAsync(AccessKeyToken token, IPAddress? remoteAddress, CancellationToken cancellationToken)
    {
        var key = await FindAsync(token.KeyId, cancellationToken);

        // Hash comparison in constant time; an unknown id costs the same hash so timing does not tell them apart.
        var matches = AccessKeyToken.Verify(token.Secret, key?.SecretHash ?? UnknownHash);
        if (key is null || !matches)
        {
            return KeyAuthentication.Refused(KeyRefusal.Unknown, "The access key is not valid. Check that you copied the whole key (ahk_…).");
        }

        if (key.Revoked)
        {
            return KeyAuthentication.Refused(KeyRefusal.Revoked, $"The access key {token.Masked} has been revoked.");
        }

        if (key.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return KeyAuthentication.Refused(KeyRefusal.Expired, $"The access key {token.Masked} expired at {expires:u}.");
        }

        if (key.AllowedIps.Length > 0 && (remoteAddress is null || !key.AllowedIps.Any(r => r.Contains(remoteAddress))))
        {
            return KeyAuthentication.Refused(KeyRefusal.AddressNotAllowed, $"The access key {token.Masked} may not be used from {remoteAddress?.ToString() ?? "an unknown address"}.");
        }

        // Last: the key itself is good (an expired key or a wrong address says so first), only its user may not call.
        if (key.UserDisabled)
        {
            return KeyAuthentication.Refused(KeyRefusal.UserDisabled, $"The user of the access key {token.Masked} is disabled; ask an admin of this hub.");
        }

        usage.Used(key.KeyId);
        return KeyAuthentication.Accepted(key.Caller);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        _loop = Task.Run(
            () => PollingLoop.RunAsync(TimeSpan.FromMilliseconds(options.Value.KeyCacheRefreshMs), TimeProvider.System, RefreshAsync, ex => LogRefreshFailed(logger, ex), null, _stopping.Token),
            CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The change is saved and cannot be undone here; the next poll picks it up.
            LogRefreshFailed(logger, ex);
        }
    }

    /// <summary>Rebuilds the snapshot if any key or user stream moved since the last look.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _rebuilding.WaitAsync(cancellationToken);
        try
        {
            await RebuildIfChangedAsync(cancellationToken);
        }
        finally
        {
            _rebuilding.Release();
        }
    }

    private async Task RebuildIfChangedAsync(CancellationToken cancellationToken)
    {
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(AccessKey), cancellationToken);
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(HubUser), cancellationToken);
        var keysTable = store.Options.FindOrResolveDocumentType(typeof(AccessKey)).TableName.QualifiedName;
        var usersTable = store.Options.FindOrResolveDocumentType(typeof(HubUser)).TableName.QualifiedName;
        string fingerprint;
        Dictionary<string, long> keyVersions, userVersions;
        await using (var connection = await data.OpenConnectionAsync(cancellationToken))
        {
            // Every change of a key or user raises its stream version (the documents' mt_version column): one
            // statement, no document read, tells whether anything changed anywhere.
            await using (var command = new NpgsqlCommand(
                $"select concat_ws(':', (select count(*) from {keysTable}), (select coalesce(sum(mt_version), 0) from {keysTable}), " +
                $"(select count(*) from {usersTable}), (select coalesce(sum(mt_version), 0) from {usersTable}))",
                connection))
            {
                fingerprint = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
            }

            if (fingerprint == _fingerprint)
            {
                return;
            }

            // Only the documents whose version moved (or that are new) are read again; the rest of the snapshot is kept.
            keyVersions = await VersionsAsync(connection, keysTable, cancellationToken);
            userVersions = await VersionsAsync(connection, usersTable, cancellationToken);
        }

        HashSet<string> changedUsers, changedKeys;
        try
        {
            (changedUsers, changedKeys) = await ApplyChangesAsync(keyVersions, userVersions, cancellationToken);
        }
        catch
        {
            // Half applied (a user read again, their keys not yet built anew, say), the remembered versions would hide
            // the rest from the next rebuild: forget them all, so that it reads everything again. The snapshot in use
            // stays as it was until then.
            _keyDocs.Clear();
            _userDocs.Clear();
            _built.Clear();
            _fingerprint = string.Empty;
            throw;
        }

        _keys = _built.ToFrozenDictionary(StringComparer.Ordinal);
        _users = _userDocs.ToFrozenDictionary(u => u.Key, u => UserStanding.Of(u.Value.Document), StringComparer.Ordinal);
        _loaded.Clear();
        _loadedUsers.Clear();
        _unknown.Clear();
        _fingerprint = fingerprint;
        LogRefreshed(logger, _keys.Count, _userDocs.Count, changedKeys.Count, changedUsers.Count);
    }

    /// <summary>
    /// Brings the documents behind the snapshot to the versions read, and builds the cached callers of what moved:
    /// returns the ids of the users and keys read again.
    /// </summary>
    private async Task<(HashSet<string> Users, HashSet<string> Keys)> ApplyChangesAsync(
        Dictionary<string, long> keyVersions, Dictionary<string, long> userVersions, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var changedUsers = await ReloadAsync(session, _userDocs, userVersions, u => u.Id, cancellationToken);
        var changedKeys = await ReloadAsync(session, _keyDocs, keyVersions, k => k.Id, cancellationToken);

        // A key's cached caller depends on its user (role, disabled): built again for the keys that changed and for
        // every key of a user that changed.
        foreach (var (keyId, (_, key)) in _keyDocs)
        {
            if (changedKeys.Contains(keyId) || changedUsers.Contains(key.UserId) || !_built.ContainsKey(keyId))
            {
                if (_userDocs.TryGetValue(key.UserId, out var user))
                {
                    _built[keyId] = CachedKey.From(key, user.Document);
                }
                else
                {
                    _built.Remove(keyId);
                }
            }
        }

        foreach (var keyId in _built.Keys.Where(id => !_keyDocs.ContainsKey(id)).ToList())
        {
            _built.Remove(keyId);
        }

        return (changedUsers, changedKeys);
    }

    private static async Task<Dictionary<string, long>> VersionsAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand($"select id, mt_version from {table}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return versions;
    }

    /// <summary>
    /// Brings <paramref name="documents"/> to <paramref name="versions"/>: reads the documents that are new or whose
    /// version moved, drops those gone; returns the ids it changed. A document read here may already be newer than its
    /// version above: the version above is kept, so the next change reads it again (once too often, never too few).
    /// </summary>
    private static async Task<HashSet<string>> ReloadAsync<T>(
        IQuerySession session, Dictionary<string, (long Version, T Document)> documents, Dictionary<string, long> versions, Func<T, string> idOf, CancellationToken cancellationToken)
        where T : notnull
    {
        var changed = versions.Where(v => !documents.TryGetValue(v.Key, out var known) || known.Version != v.Value).Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in documents.Keys.Where(id => !versions.ContainsKey(id)).ToList())
        {
            documents.Remove(gone);
            changed.Add(gone);
        }

        if (changed.Count > 0)
        {
            var loaded = await session.LoadManyAsync<T>(cancellationToken, changed.Where(versions.ContainsKey).ToArray());
            foreach (var document in loaded)
            {
                var id = idOf(document);
                documents[id] = (versions[id], document);
            }
        }

        return changed;
    }

    /// <summary>
    /// A user's current role and whether they are disabled, from the snapshot (changes anywhere show within one
    /// refresh); null when there is no such user.
    /// </summary>
    public async ValueTask<UserStanding?> StandingOfAsync(string userId, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(userId, out var standing) || _loadedUsers.TryGetValue(userId, out standing))
        {
            return standing;
        }

        await using var session = store.QuerySession();
        if (await session.LoadAsync<HubUser>(userId, cancellationToken) is not { } user)
        {
            return null;
        }

        standing = UserStanding.Of(user);
        _loadedUsers[userId] = standing;
        return standing;
    }

    private async ValueTask<CachedKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(keyId, out var cached) || _loaded.TryGetValue(keyId, out cached))
        {
            return cached;
        }

        if (_unknown.ContainsKey(keyId))
        {
            return null;
        }

        await using var session = store.QuerySession();
        var key = await session.LoadAsync<AccessKey>(keyId, cancellationToken);
        var user = key is null ? null : await session.LoadAsync<HubUser>(key.UserId, cancellationToken);
        if (key is null || user is null)
        {
            // Bounded: a flood of made-up ids must not grow memory without end.
            if (_unknown.Count < 10_000)
            {
                _unknown.TryAdd(keyId, 0);
            }

            return null;
        }

        cached = CachedKey.From(key, user);
        _loaded[keyId] = cached;
        return cached;
    }

    private const string UnknownHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>A key's own limits (null: the defaults), from the snapshot.</summary>
    public (int? RequestsPerMinute, int? TokensPerMinute) LimitsOf(string keyId) =>
        _keys.TryGetValue(keyId, out var key) || _loaded.TryGetValue(keyId, out key) ? (key.RequestsPerMinute, key.TokensPerMinute) : (null, null);

    private sealed record CachedKey(string KeyId, string SecretHash, bool Revoked, bool UserDisabled, DateTimeOffset? ExpiresAt, IpRange[] AllowedIps, Caller Caller, int? RequestsPerMinute, int? TokensPerMinute)
    {
        public static CachedKey From(AccessKey key, HubUser user)
        {
            // A key never carries more than its user's role allows today: a demoted admin's admin keys lose their admin scopes.
            var scopes = key.Scopes.Where(s => KeyScopes.Allows(user.Role, s)).ToFrozenSet(StringComparer.Ordinal);
            var caller = new Caller(
                user.Id, user.Role, key.Id, key.AppId, scopes, key.Models, key.ExpiresAt, key.AllowedIps, key.RequestsPerMinute, key.TokensPerMinute, key.AppId);
            return new CachedKey(key.Id, key.SecretHash, key.IsRevoked, user.IsDisabled, key.ExpiresAt, [.. key.AllowedIps.Select(IpRange.Parse)], caller, key.RequestsPerMinute, key.TokensPerMinute);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Access key snapshot refreshed: {Keys} keys of {Users} users ({ChangedKeys} keys and {ChangedUsers} users read again)")]
    private static partial void LogRefreshed(ILogger logger, int keys, int users, int changedKeys, int changedUsers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the access key snapshot failed; the previous one stays in use")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

/// <summary>What the call path needs to know of a user: their role, and whether an admin disabled them.</summary>
internal readonly record struct UserStanding(UserRole Role, bool Disabled)
{
    public static UserStanding Of(HubUser user) => new(user.Role, user.IsDisabled);
}
