namespace AigneHub.Domain.Access;

/// <summary>What a hub access key (or a token) allows.</summary>
public static class KeyScopes
{
    /// <summary>Chat, embeddings, images, model lists.</summary>
    public const string Inference = "inference";

    /// <summary>Read the admin API (providers, users, keys, usage, audit).</summary>
    public const string AdminRead = "admin:read";

    /// <summary>Change what the admin API manages.</summary>
    public const string AdminWrite = "admin:write";

    public static readonly IReadOnlyList<string> All = [Inference, AdminRead, AdminWrite];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    public static bool IsAdmin(string scope) => scope is AdminRead or AdminWrite;

    /// <summary>
    /// Whether a credential carries the hub-wide authority of an admin to change what the hub manages (every team, for
    /// one): a hub admin or owner acting with a key (or token) that holds admin:write. The role alone is not enough: a
    /// key its holder was given with fewer scopes gives no more than those.
    /// </summary>
    public static bool ManagesHub(UserRole role, IReadOnlyCollection<string> scopes) => role != UserRole.Member && scopes.Contains(AdminWrite);

    /// <summary>Like <see cref="ManagesHub"/>, to read everything the hub manages: admin:read or admin:write.</summary>
    public static bool ReadsHub(UserRole role, IReadOnlyCollection<string> scopes) => role != UserRole.Member && scopes.Any(IsAdmin);

    /// <summary>What a user of the role may hold: members use the hub, admins and owners may also manage it.</summary>
    public static bool Allows(UserRole role, string scope) => role != UserRole.Member || !IsAdmin(scope);
}
