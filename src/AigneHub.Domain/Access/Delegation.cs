namespace AigneHub.Domain.Access;

/// <summary>A key's limits per minute; null is no limit of its own (the hub's default applies, or none).</summary>
public sealed record KeyLimits(int? RequestsPerMinute, int? TokensPerMinute)
{
    public static readonly KeyLimits None = new(null, null);

    /// <summary>These limits where set, else <paramref name="defaults"/>: what a key is really held to.</summary>
    public KeyLimits Or(KeyLimits defaults) => new(RequestsPerMinute ?? defaults.RequestsPerMinute, TokensPerMinute ?? defaults.TokensPerMinute);
}

/// <summary>
/// Everything a key gives (or would give) whoever holds it: whose it is, its app, scopes, model allow-list (empty: every
/// model), address ranges (empty: anywhere), expiry (null: never) and its own limits.
/// </summary>
public sealed record KeyGrant(
    string UserId,
    string? AppId,
    IReadOnlyCollection<string> Scopes,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? ExpiresAt,
    KeyLimits Limits)
{
    public static KeyGrant Of(AccessKey key) =>
        new(key.UserId, key.AppId, key.Scopes, key.Models, key.AllowedIps, key.ExpiresAt, new KeyLimits(key.RequestsPerMinute, key.TokensPerMinute));
}

/// <summary>
/// Whoever asks for a change to users or keys, with what their credential holds: the ceiling of any key they create
/// or rotate. A bearer token holds its user's role scopes and nothing else (no allow-list, expiry, limits or app).
/// </summary>
/// <param name="By">What events and the audit trail record as the actor.</param>
/// <param name="Holds">What the asking key (or token) gives its holder; its <see cref="KeyGrant.UserId"/> is the asking user.</param>
/// <param name="DefaultLimits">The limits of a key that has none of its own (the hub's configuration; null: none).</param>
public sealed record Delegator(UserRole Role, string By, KeyGrant Holds, KeyLimits DefaultLimits)
{
    public string UserId => Holds.UserId;

    /// <summary>Whether this credential carries a hub admin's authority to change anything (<see cref="KeyScopes.ManagesHub"/>).</summary>
    public bool ManagesHub => KeyScopes.ManagesHub(Role, Holds.Scopes);
}

/// <summary>
/// The delegation rule, written once: a key never creates or rotates into a key with more than it holds, and a user
/// acts only on users below their own role. Each broken rule is a 403 naming the field.
/// </summary>
public static class Delegation
{
    /// <summary>
    /// A user acts on themselves and on users below their role: an owner on anyone, an admin on members, a member on
    /// nobody else. So only an owner touches an owner's keys or role, and an admin does not touch another admin's.
    /// </summary>
    /// <param name="asTeamAdmin">
    /// <paramref name="by"/> is an admin of a team <paramref name="target"/> is a member of, acting for that team (its
    /// members and their team roles): a team's admin acts on the team's members who are hub members, and on nobody above them.
    /// </param>
    public static void RequireMayActOn(Delegator by, HubUser target, string field, bool asTeamAdmin = false)
    {
        if (by.UserId == target.Id || by.Role == UserRole.Owner || (by.Role == UserRole.Admin && target.Role == UserRole.Member)
            || (asTeamAdmin && target.Role == UserRole.Member))
        {
            return;
        }

        throw new AccessRuleException(
            field,
            $"{Capital(Article(by.Role))} {Name(by.Role)} acts only on {(by.Role == UserRole.Admin ? "members and on themselves" : "themselves")}; the user '{target.Id}' is {Article(target.Role)} {Name(target.Role)}.",
            isForbidden: true);
    }

    /// <summary>
    /// A key with rate limits of its own creates no keys: rate windows are kept per key, so each key it made (up to the
    /// per-user maximum) would add a window of the same size, and they would outlive its revocation. Rotating it, or a
    /// key it may act on, adds no window and stays open (<see cref="RequireWithin"/>).
    /// </summary>
    public static void RequireUnlimited(Delegator by)
    {
        if (by.Holds.Limits is { RequestsPerMinute: null, TokensPerMinute: null })
        {
            return;
        }

        throw new AccessRuleException(
            by.Holds.Limits.RequestsPerMinute is not null ? "requests_per_minute" : "tokens_per_minute",
            "Your key has rate limits of its own, so it creates no keys (each would have a rate window of its own); ask with a key without limits of its own, or sign in.",
            isForbidden: true);
    }

    /// <summary>
    /// What a new key gets for what its request leaves out: the asking key's own allow-list, address ranges, expiry and
    /// app. Scopes are always named by the request; limits too (a key with limits of its own creates no keys:
    /// <see cref="RequireUnlimited"/>), and none means the hub's default.
    /// </summary>
    public static KeyGrant Inherit(KeyGrant asked, Delegator by) => asked with
    {
        AppId = asked.AppId ?? by.Holds.AppId,
        Models = asked.Models.Count > 0 ? asked.Models : by.Holds.Models,
        AllowedIps = asked.AllowedIps.Count > 0 ? asked.AllowedIps : by.Holds.AllowedIps,
        ExpiresAt = asked.ExpiresAt ?? by.Holds.ExpiresAt,
    };

    /// <summary>
    /// Refuses a grant that gives more than the asking credential holds, in any dimension: scopes ⊆, every allowed
    /// model pattern covered, expiry no later, limits no higher, address ranges inside, and the same app (of the same
    /// user) when the asking key is bound to one. Asking for more is refused, never quietly narrowed.
    /// </summary>
    /// <param name="what">How the messages name the key: "the new key" or "the key 'id'".</param>
    public static void RequireWithin(KeyGrant grant, Delegator by, string what)
    {
        var holds = by.Holds;
        if (grant.Scopes.FirstOrDefault(s => !holds.Scopes.Contains(s)) is { } scope)
        {
            throw Denied("scopes", $"{Capital(what)} would hold the '{scope}' scope, which your credential does not have; a key never gives more than it holds.");
        }

        if (holds.Models.Count > 0)
        {
            if (grant.Models.Count == 0)
            {
                throw Denied("models", $"{Capital(what)} would allow every model; your key allows only {string.Join(", ", holds.Models)}.");
            }

            if (grant.Models.FirstOrDefault(m => !holds.Models.Any(h => ModelPattern.Covers(h, m))) is { } model)
            {
                throw Denied("models", $"{Capital(what)} would allow '{model}'; your key allows only {string.Join(", ", holds.Models)}.");
            }
        }

        if (holds.ExpiresAt is { } expires && (grant.ExpiresAt is null || grant.ExpiresAt > expires))
        {
            throw Denied("expires_at", $"{Capital(what)} would {(grant.ExpiresAt is null ? "never expire" : $"expire at {grant.ExpiresAt:u}")}; your key expires at {expires:u}, and a key it gives cannot outlive it.");
        }

        var ceiling = holds.Limits.Or(by.DefaultLimits);
        var limits = grant.Limits.Or(by.DefaultLimits);
        RequireNoHigher("requests_per_minute", "requests", what, limits.RequestsPerMinute, ceiling.RequestsPerMinute);
        RequireNoHigher("tokens_per_minute", "tokens", what, limits.TokensPerMinute, ceiling.TokensPerMinute);

        if (holds.AllowedIps.Count > 0)
        {
            var ranges = holds.AllowedIps.Select(IpRange.Parse).ToList();
            if (grant.AllowedIps.Count == 0)
            {
                throw Denied("allowed_ips", $"{Capital(what)} would be usable from anywhere; your key may be used only from {string.Join(", ", holds.AllowedIps)}.");
            }

            if (grant.AllowedIps.FirstOrDefault(ip => !ranges.Any(r => r.Covers(IpRange.Parse(ip)))) is { } outside)
            {
                throw Denied("allowed_ips", $"{Capital(what)} would be usable from {outside}, outside {string.Join(", ", holds.AllowedIps)} where your key may be used.");
            }
        }

        if (holds.AppId is { } app && (grant.AppId != app || grant.UserId != holds.UserId))
        {
            throw Denied("app_id", $"Your key is bound to the app '{app}' of user '{holds.UserId}': it creates and rotates only keys of that app.");
        }
    }

    /// <summary>
    /// What a user may spend — a spend budget on them or one of their keys, their credits — is set by someone above
    /// them: an owner for anyone, an admin for members only, never for themselves nor for another admin, since a limit
    /// its subject could lift is none.
    /// </summary>
    /// <param name="what">What an admin may do, for the refusal's message.</param>
    public static void RequireMayLimit(Delegator by, HubUser target, string field, string what = "sets the budgets of members and their keys only")
    {
        if (by.Role == UserRole.Owner || (by.Role == UserRole.Admin && target.Role == UserRole.Member))
        {
            return;
        }

        throw Denied(
            field,
            by.Role == UserRole.Member
                ? "Only a hub admin or owner may do this."
                : $"An admin {what}; the user '{target.Id}' is {Article(target.Role)} {Name(target.Role)}.");
    }

    /// <summary>
    /// A key held to spend budgets of its own or of its team (<paramref name="budgetIds"/>) gives no other key's secret
    /// (it creates none, and rotates only itself): that key would not be held to them, so whoever holds the first could
    /// spend past them.
    /// </summary>
    public static void RequireUnbudgeted(string keyId, IReadOnlyList<string> budgetIds)
    {
        if (budgetIds.Count > 0)
        {
            throw Denied(
                "budget",
                $"Your key '{keyId}' is held to the spend budget {string.Join(", ", budgetIds)}, which another key would not be: it creates no keys and rotates only itself. Use a key without a budget of its own.");
        }
    }

    /// <summary>
    /// A limit on everyone — the hub's spend budget — limits its setter too: as with <see cref="RequireMayLimit"/>, only
    /// an owner sets, changes or deletes it, since an admin who could would lift a limit the owner put on them.
    /// </summary>
    public static void RequireMayLimitEveryone(Delegator by, string field)
    {
        if (by.Role != UserRole.Owner)
        {
            throw Denied(field, "The hub's budget limits every user, admins included: only an owner sets, changes or deletes it.");
        }
    }

    private static void RequireNoHigher(string field, string unit, string what, int? limit, int? ceiling)
    {
        if (ceiling is { } most && (limit is null || limit > most))
        {
            throw Denied(field, $"{Capital(what)} would allow {(limit is { } asked ? asked.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unlimited")} {unit} per minute; your key is limited to {most}.");
        }
    }

    private static AccessRuleException Denied(string field, string message) => new(field, message, isForbidden: true);

    private static string Capital(string text) => string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1));

    private static string Name(UserRole role) => role.ToString().ToLowerInvariant();

    private static string Article(UserRole role) => role is UserRole.Admin or UserRole.Owner ? "an" : "a";
}
