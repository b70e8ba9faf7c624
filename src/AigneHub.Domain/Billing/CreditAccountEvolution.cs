namespace AigneHub.Domain.Billing;

/// <summary>
/// Applies credit-account events to a state in memory, through the same <see cref="CreditAccount.Create"/> and Apply
/// methods Marten's projection calls, so that a writer deciding several changes in one transaction sees what the
/// earlier ones did. (Kept off the aggregate: Marten treats public Create/Apply methods there as the projection.)
/// </summary>
public static class CreditAccountEvolution
{
    /// <summary>The state after an account's first events.</summary>
    public static CreditAccount Start(IReadOnlyList<object> events)
    {
        var account = events.Count > 0 && events[0] is CreditAccountOpened opened
            ? CreditAccount.Create(opened)
            : throw new InvalidOperationException("A credit account's stream starts with CreditAccountOpened.");
        ApplyAll(account, events.Skip(1).ToList());
        return account;
    }

    public static void ApplyAll(CreditAccount account, IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            Apply(account, e);
        }
    }

    private static void Apply(CreditAccount account, object e)
    {
        switch (e)
        {
            case CreditsGranted granted:
                account.Apply(granted);
                break;
            case CreditsHeld held:
                account.Apply(held);
                break;
            case HoldCaptured captured:
                account.Apply(captured);
                break;
            case HoldReleased released:
                account.Apply(released);
                break;
            case GrantExpired expired:
                account.Apply(expired);
                break;
            case CreditsAdjusted adjusted:
                account.Apply(adjusted);
                break;
            case BalanceLeased leased:
                account.Apply(leased);
                break;
            case LeaseReturned returned:
                account.Apply(returned);
                break;
            default:
                throw new InvalidOperationException($"A credit account does not know the event {e.GetType().Name}.");
        }
    }
}
