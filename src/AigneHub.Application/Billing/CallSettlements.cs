using AigneHub.Application.EventSourcing;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>
/// The settlement index (<see cref="CallSettlement"/>): read before deciding (with the accounts a batch locks), written
/// with the settling events.
/// </summary>
internal static class CallSettlements
{
    /// <summary>Stores a settlement for every capture and release among <paramref name="events"/>, in the session's transaction.</summary>
    public static Task RecordAsync(IDocumentSession session, string accountId, IReadOnlyList<object> events, CancellationToken cancellationToken)
    {
        var settlements = new List<CallSettlement>();
        Collect(settlements, accountId, events);
        return StoreAllAsync(session, settlements, cancellationToken);
    }

    /// <summary>
    /// Adds to <paramref name="settlements"/> one settlement for every capture and release of a hold among
    /// <paramref name="events"/>. A capture from a balance lease settles no hold and needs none (ADR 0027): its call is
    /// captured once by the instance that served it, and the writer's commit marks keep a retry from writing it twice.
    /// </summary>
    public static void Collect(List<CallSettlement> settlements, string accountId, IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case HoldCaptured { LeaseId: not null }:
                    break;
                case HoldCaptured captured:
                    settlements.Add(new CallSettlement { Id = captured.CallId, AccountId = accountId, Settlement = Settlement.Captured, At = captured.At });
                    break;
                case HoldReleased released:
                    settlements.Add(new CallSettlement { Id = released.CallId, AccountId = accountId, Settlement = Settlement.Released, At = released.At });
                    break;
            }
        }
    }

    /// <summary>
    /// Stores the settlements with one statement in the session's transaction (a batch of the ledger writer settles
    /// hundreds of calls; one upsert each was a statement each). It writes what Marten's own upsert of the document
    /// writes (the table has no duplicated fields), keyed by call id: a call's settlement is stored once, and a later
    /// one of the same call in the list replaces an earlier one, as one store after the other would.
    /// </summary>
    public static Task StoreAllAsync(IDocumentSession session, IReadOnlyList<CallSettlement> settlements, CancellationToken cancellationToken) =>
        DocumentBatches.QueueUpsertAsync(session, settlements, s => s.Id, "varchar", cancellationToken);
}
