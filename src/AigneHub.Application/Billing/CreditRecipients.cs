namespace AigneHub.Application.Billing;

/// <summary>
/// Who may be given credits (a payment, an operator's grant or adjustment): registered users only, so a mistyped or
/// forged user id is refused instead of opening an account nobody can use. A user id is matched ignoring case, and the
/// credits go to the account of the id as the user registry spells it: "Alice" and "alice" in a payment are one
/// account, so one payment id is granted once. When several users differ only in case, the hub refuses to guess.
/// </summary>
internal static class CreditRecipients
{
    /// <summary>
    /// An operator's grant or adjustment changes what a user may spend, so the delegation rule decides for whom
    /// (<see cref="Delegation.RequireMayLimit"/>): an owner for anyone, an admin for members only — never their own
    /// credits nor another admin's. <paramref name="userId"/> is the registered spelling.
    /// </summary>
    public static async Task RequireMayChangeAsync(IDocumentStore store, string userId, Caller by, IKeyLimitDefaults limits, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var user = await session.LoadAsync<HubUser>(userId, cancellationToken)
            ?? throw new ResourceNotFoundException("user_id", $"There is no user '{userId}' on this hub.");
        DomainRules.Check(() => Delegation.RequireMayLimit(Delegators.From(by, limits), user, "user_id", "grants and adjusts the credits of members only"));
    }

    /// <summary>The registered spelling of <paramref name="userId"/>; 404 when no user matches, 409 when several do.</summary>
    public static async Task<string> CanonicalAsync(IDocumentStore store, string userId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var matches = await UserIds.SpellingsAsync(session, userId, cancellationToken);
        return matches switch
        {
            [var only] => only,
            [] => throw new ResourceNotFoundException(
                "user_id", $"There is no user '{userId}' on this hub: credits go only to registered users (check the id, or create the user first)."),
            _ => throw new ConflictException(
                $"The user id '{userId}' matches several users that differ only in case ({string.Join(", ", matches.Order(StringComparer.Ordinal))}); " +
                "credits cannot be given to any of them until an operator resolves it."),
        };
    }

    /// <summary>
    /// Whose account a balance or ledger read means: the registered user of that exact id, else the one registered user
    /// whose id differs only in case, else the id as given (an account can exist without a user: older data, tests).
    /// </summary>
    public static async Task<string> AccountOwnerAsync(IQuerySession session, string userId, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<HubUser>(userId, cancellationToken) is not null)
        {
            return userId;
        }

        return await UserIds.SpellingsAsync(session, userId, cancellationToken) is [var only] ? only : userId;
    }
}
