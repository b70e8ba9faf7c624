using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>The settlement index (<see cref="CallSettlement"/>): read before deciding, written with the settling events.</summary>
internal static class CallSettlements
{
    /// <summary>Stores a settlement for every capture and release among <paramref name="events"/>, in the session's transaction.</summary>
    public static void Record(IDocumentSession session, string accountId, IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case HoldCaptured captured:
                    session.Store(new CallSettlement { Id = captured.CallId, AccountId = accountId, Settlement = Settlement.Captured, At = captured.At });
                    break;
                case HoldReleased released:
                    session.Store(new CallSettlement { Id = released.CallId, AccountId = accountId, Settlement = Settlement.Released, At = released.At });
                    break;
            }
        }
    }

    /// <summary>The settlements of the given calls that the index holds, by call id.</summary>
    public static async Task<IReadOnlyDictionary<string, CallSettlement>> LoadAsync(IQuerySession session, IReadOnlyCollection<string> callIds, CancellationToken cancellationToken)
    {
        if (callIds.Count == 0)
        {
            return new Dictionary<string, CallSettlement>();
        }

        var found = await session.LoadManyAsync<CallSettlement>(cancellationToken, callIds).ConfigureAwait(false);
        return found.ToDictionary(s => s.Id, StringComparer.Ordinal);
    }
}
