using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using Marten;

namespace AigneHub.Application.Billing.Common;

/// <summary>
/// Who may be given credits (a payment, an operator's grant or adjustment): registered users only, so a mistyped or
/// forged user id is refused instead of opening an account nobody can use. A user id is matched ignoring case, and the
/// credits go to the account of the id as the user registry spells it: "Alice" and "alice" in a payment are one
/// account, so one payment id is granted once. When several users differ only in case, the hub refuses to guess.
/// </summary>
internal static class CreditRecipients
{
    /// <summary>The registered spelling of <paramref name="userId"/>; 404 when no user matches, 409 when several do.</summary>
    public static async Task<string> CanonicalAsync(IDocumentStore store, string userId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var lowered = userId.ToLowerInvariant();
        var matches = await session.Query<HubUser>().Where(u => u.Id.ToLower() == lowered).Select(u => u.Id).Take(3).ToListAsync(cancellationToken);
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
}
