using Marten.Linq.MatchesSql;

namespace AigneHub.Application.Access;

/// <summary>User ids that differ only in case name one person to a payment sender or an operator typing them.</summary>
internal static class UserIds
{
    /// <summary>
    /// The registered ids equal to <paramref name="userId"/> ignoring case (at most three). Matched with lower() in the
    /// database: a scan of the users, which only user creation, credit writes and reads of an id that is not
    /// registered as spelled pay for.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SpellingsAsync(IQuerySession session, string userId, CancellationToken cancellationToken) =>
        await session.Query<HubUser>().Where(u => u.MatchesSql("lower(d.id) = lower(?)", userId)).Select(u => u.Id).Take(3).ToListAsync(cancellationToken);
}
