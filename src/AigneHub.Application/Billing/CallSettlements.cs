using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>The settlement index (<see cref="CallSettlement"/>): read before deciding (with the accounts a batch locks), written with the settling events.</summary>
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
}
