using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.UnitTests.Domain.Billing;

/// <summary>Balance leases (ADR 0024): given an account, when a lease decision is taken, then these events (or this refusal).</summary>
public sealed class CreditLeaseTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private static CreditAccount Given(decimal granted, params object[] events)
    {
        var account = CreditAccountEvolution.Start(
            [new CreditAccountOpened("alice", At), new CreditsGranted(Guid.NewGuid(), granted, GrantSource.Admin, null, null, "admin", At)]);
        CreditAccountEvolution.ApplyAll(account, events);
        return account;
    }

    private static BalanceLeased Leased(decimal amount, string leaseId = "lease-a") => new(leaseId, "hub-a", amount, At.AddMinutes(15), At);

    private static IReadOnlyList<object> Capture(CreditAccount account, string callId, decimal cost, string leaseId = "lease-a") =>
        CreditLedger.CaptureFromLease(account, leaseId, new CallCapture(callId, cost, "rate", 3, new(0, 5)), At);

    [Fact]
    public void A_lease_is_held_credits_and_cannot_take_more_than_is_available()
    {
        var account = Given(10m, Leased(6m));

        Assert.Equal((10m, 6m, 4m), (account.Balance, account.Held, account.Available));
        var refused = Assert.Throws<CreditRuleException>(() => CreditLedger.Lease(account, "lease-b", "hub-b", 5m, At.AddMinutes(15), At));
        Assert.Equal(CreditRule.InsufficientCredits, refused.Rule);
        Assert.Equal(4m, CreditLedger.Lease(account, "lease-b", "hub-b", 4m, At.AddMinutes(15), At).Amount);
    }

    [Fact]
    public void A_top_up_adds_to_the_same_lease_and_moves_its_expiry()
    {
        var account = Given(10m, Leased(2m), new BalanceLeased("lease-a", "hub-a", 3m, At.AddMinutes(30), At.AddMinutes(1)));

        var lease = Assert.Single(account.Leases);
        Assert.Equal((5m, At.AddMinutes(30), 5m), (lease.Amount, lease.ExpiresAt, account.Held));
    }

    [Fact]
    public void A_call_served_from_a_lease_is_paid_by_the_lease_and_a_repeated_capture_charges_nothing()
    {
        var account = Given(10m, Leased(6m));

        var first = Capture(account, "call-1", 0.25m);
        CreditAccountEvolution.ApplyAll(account, first);

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(first));
        Assert.Equal((0.25m, 0.25m, 0m, "lease-a"), (captured.HoldAmount, captured.Amount, captured.Uncollected, captured.LeaseId));
        Assert.Equal((9.75m, 5.75m, 4m), (account.Balance, account.Held, account.Available));
        Assert.Empty(Capture(account, "call-1", 0.25m));
    }

    [Fact]
    public void A_capture_against_a_lease_that_recovery_returned_is_paid_from_the_balance_and_never_below_zero()
    {
        var account = Given(1m, Leased(1m), new LeaseReturned("lease-a", 1m, "recovered", At));

        var late = Assert.IsType<HoldCaptured>(Assert.Single(Capture(account, "late", 1.5m)));

        Assert.Empty(account.Leases);
        Assert.Equal((0m, 1m, 0.5m), (late.HoldAmount, late.Amount, late.Uncollected));
    }

    [Fact]
    public void Returning_a_lease_keeps_what_calls_in_flight_hold_and_returning_it_all_closes_it()
    {
        var account = Given(10m, Leased(6m));

        var partly = Assert.IsType<LeaseReturned>(Assert.Single(CreditLedger.ReturnLease(account, "lease-a", 1m, "the instance stopped", At)));
        CreditAccountEvolution.ApplyAll(account, [partly]);
        var rest = CreditLedger.ReturnLease(account, "lease-a", 0m, "recovered", At);
        CreditAccountEvolution.ApplyAll(account, rest);

        Assert.Equal(5m, partly.Amount);
        Assert.Equal((0m, 10m), (account.Held, account.Available));
        Assert.Empty(account.Leases);
        Assert.Empty(CreditLedger.ReturnLease(account, "lease-a", 0m, "again", At));
    }

    [Fact]
    public void Only_leases_past_their_expiry_have_lapsed()
    {
        var account = Given(10m, Leased(1m), new BalanceLeased("lease-b", "hub-b", 1m, At.AddMinutes(40), At));

        Assert.Equal(["lease-a"], CreditLedger.LapsedLeases(account, At.AddMinutes(20)).Select(l => l.LeaseId));
    }
}
