namespace AigneHub.Application.Access;

internal static class Delegators
{
    /// <summary>The caller as the delegation rule sees them: their role and everything their key (or token) holds.</summary>
    public static Delegator From(Caller caller, IKeyLimitDefaults limits) =>
        new(
            caller.Role,
            caller.Actor,
            new KeyGrant(
                caller.UserId,
                caller.KeyAppId,
                caller.Scopes,
                caller.Models ?? [],
                caller.AllowedIps ?? [],
                caller.ExpiresAt,
                new KeyLimits(caller.RequestsPerMinute, caller.TokensPerMinute)),
            limits.Key);
}
