using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.UnitTests.Domain.Billing;

/// <summary>Given the events of an account, when a command is decided, then these events (or this refusal).</summary>
public sealed class CreditLedgerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid GrantId = Guid.Parse("00000000-0000-0000-0000-0000000000a1");

    internal static CreditAccount Given(params object[] events)
    {
        var account = CreditAccount.Create(new CreditAccountOpened("alice", At));
        foreach (var e in events)
        {
            Apply(account, e);
        }

        return account;
    }

    internal static void Apply(CreditAccount account, object e)
    {
        switch (e)
        {
            case CreditsGranted granted: account.Apply(granted); break;
            case CreditsHeld held: account.Apply(held); break;
            case HoldCaptured captured: account.Apply(captured); break;
            case HoldReleased released: account.Apply(released); break;
            case GrantExpired expired: account.Apply(expired); break;
            case CreditsAdjusted adjusted: account.Apply(adjusted); break;
            default: throw new ArgumentException($"Unexpected event {e.GetType().Name}");
        }
    }

    private static CreditsGranted Granted(decimal amount, DateTimeOffset? expiresAt = null, Guid? id = null, string? reference = null) =>
        new(id ?? GrantId, amount, GrantSource.Admin, expiresAt, reference, "admin", At);

    private static CreditsHeld Held(string callId, decimal amount, DateTimeOffset? expiresAt = null) =>
        new(callId, amount, "openai/gpt-4o-mini", expiresAt ?? At.AddMinutes(15), At);

    private static IReadOnlyList<object> Capture(CreditAccount account, string callId, decimal cost) =>
        CreditLedger.Capture(account, callId, cost, "rate:chat:openai/gpt-4o-mini", 3, 10, 20, 0, 0.0001m, At);

    [Fact]
    public void Hold_within_the_available_balance_is_recorded()
    {
        var account = Given(Granted(10m));

        var held = CreditLedger.Hold(account, "call-1", 4m, "openai/gpt-4o-mini", At.AddMinutes(15), At);

        account.Apply(held);
        Assert.Equal((10m, 4m, 6m), (account.Balance, account.Held, account.Available));
    }

    [Fact]
    public void Hold_is_refused_when_balance_is_too_low()
    {
        var account = Given(Granted(10m), Held("call-1", 7m));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Hold(account, "call-2", 3.000001m, "m", At.AddMinutes(15), At));

        Assert.Equal(CreditRule.InsufficientCredits, error.Rule);
    }

    [Fact]
    public void Hold_of_exactly_the_available_balance_is_allowed()
    {
        var account = Given(Granted(10m), Held("call-1", 7m));

        var held = CreditLedger.Hold(account, "call-2", 3m, "m", At.AddMinutes(15), At);

        Assert.Equal(3m, held.Amount);
    }

    [Fact]
    public void A_call_holds_once()
    {
        var account = Given(Granted(10m), Held("call-1", 1m));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Hold(account, "call-1", 1m, "m", At.AddMinutes(15), At));

        Assert.Equal(CreditRule.DuplicateHold, error.Rule);
    }

    [Fact]
    public void Hold_with_more_than_six_decimal_places_is_refused()
    {
        var account = Given(Granted(10m));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Hold(account, "call-1", 0.0000001m, "m", At.AddMinutes(15), At));

        Assert.Equal(CreditRule.InvalidAmount, error.Rule);
    }

    [Fact]
    public void Capture_charges_the_exact_cost_and_returns_the_rest_of_the_hold()
    {
        var account = Given(Granted(10m), Held("call-1", 4m));

        var events = Capture(account, "call-1", 1.25m);

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(events));
        Assert.Equal((1.25m, 0m, 3), (captured.Amount, captured.Uncollected, captured.RateVersion));
        Apply(account, captured);
        Assert.Equal((8.75m, 0m, 8.75m, 1.25m), (account.Balance, account.Held, account.Available, account.TotalSpent));
    }

    [Fact]
    public void Capture_beyond_the_hold_takes_the_excess_from_the_available_balance()
    {
        var account = Given(Granted(10m), Held("call-1", 4m));

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(Capture(account, "call-1", 6m)));

        Assert.Equal((6m, 0m), (captured.Amount, captured.Uncollected));
    }

    [Fact]
    public void Capture_beyond_what_the_account_has_is_capped_and_the_shortfall_recorded()
    {
        var account = Given(Granted(10m), Held("call-1", 4m), Held("call-2", 5m));

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(Capture(account, "call-1", 7m)));

        Assert.Equal((5m, 2m), (captured.Amount, captured.Uncollected));
        Apply(account, captured);
        Assert.Equal((5m, 5m, 0m), (account.Balance, account.Held, account.Available));
    }

    [Fact]
    public void Double_capture_is_ignored()
    {
        var account = Given(Granted(10m), Held("call-1", 4m));
        Apply(account, Capture(account, "call-1", 1m).Single());

        var again = Capture(account, "call-1", 1m);

        Assert.Empty(again);
        Assert.Equal(9m, account.Balance);
    }

    [Fact]
    public void Release_after_capture_is_refused()
    {
        var account = Given(Granted(10m), Held("call-1", 4m));
        Apply(account, Capture(account, "call-1", 1m).Single());

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Release(account, "call-1", "upstream failed", At));

        Assert.Equal(CreditRule.AlreadySettled, error.Rule);
    }

    [Fact]
    public void Capture_after_release_is_refused()
    {
        var account = Given(Granted(10m), Held("call-1", 4m), new HoldReleased("call-1", 4m, "upstream failed", At));

        var error = Assert.Throws<CreditRuleException>(() => Capture(account, "call-1", 1m));

        Assert.Equal(CreditRule.AlreadySettled, error.Rule);
    }

    [Fact]
    public void Release_returns_the_whole_hold_once()
    {
        var account = Given(Granted(10m), Held("call-1", 4m));

        var released = Assert.IsType<HoldReleased>(Assert.Single(CreditLedger.Release(account, "call-1", "upstream failed", At)));
        Apply(account, released);

        Assert.Equal((4m, 10m, 0m), (released.Amount, account.Available, account.Held));
        Assert.Empty(CreditLedger.Release(account, "call-1", "again", At));
    }

    [Fact]
    public void Settling_a_call_that_never_held_is_refused()
    {
        var account = Given(Granted(10m));

        Assert.Equal(CreditRule.UnknownHold, Assert.Throws<CreditRuleException>(() => Capture(account, "nope", 1m)).Rule);
        Assert.Equal(CreditRule.UnknownHold, Assert.Throws<CreditRuleException>(() => CreditLedger.Release(account, "nope", "x", At)).Rule);
    }

    [Fact]
    public void A_grant_expires_on_time_with_what_is_left_of_it()
    {
        var expiring = Guid.NewGuid();
        var account = Given(Granted(5m, At.AddDays(1), expiring), Granted(3m, id: Guid.NewGuid()), Held("call-1", 2m));
        Apply(account, Capture(account, "call-1", 2m).Single());

        Assert.Empty(CreditLedger.ExpireGrants(account, At.AddDays(1).AddTicks(-1)));
        var expired = Assert.IsType<GrantExpired>(Assert.Single(CreditLedger.ExpireGrants(account, At.AddDays(1))));
        Apply(account, expired);

        // Spending used the expiring grant first, so 3 of its 5 credits expire and the permanent 3 stay.
        Assert.Equal((expiring, 3m), (expired.GrantId, expired.Amount));
        Assert.Equal((3m, 3m), (account.Balance, account.TotalExpired));
    }

    [Fact]
    public void Expiry_never_takes_credits_that_a_call_in_flight_holds()
    {
        var account = Given(Granted(5m, At.AddDays(1)), Held("call-1", 4m));

        var expired = Assert.IsType<GrantExpired>(Assert.Single(CreditLedger.ExpireGrants(account, At.AddDays(2))));
        Apply(account, expired);

        Assert.Equal((1m, 4m, 0m), (expired.Amount, account.Balance, account.Available));

        // Once the hold settles, the next run expires the rest.
        Apply(account, new HoldReleased("call-1", 4m, "done", At.AddDays(2)));
        Assert.Equal(4m, Assert.IsType<GrantExpired>(Assert.Single(CreditLedger.ExpireGrants(account, At.AddDays(2)))).Amount);
    }

    [Fact]
    public void A_replayed_payment_grants_nothing()
    {
        var account = Given(Granted(5m, reference: "pay_1"));

        Assert.Empty(CreditLedger.Grant(account, Guid.NewGuid(), 5m, GrantSource.Purchase, null, "pay_1", "webhook", At));
        Assert.Single(CreditLedger.Grant(account, Guid.NewGuid(), 5m, GrantSource.Purchase, null, "pay_2", "webhook", At));
    }

    [Fact]
    public void The_welcome_grant_comes_with_opening_the_account_once()
    {
        var settings = BillingSettings.Create(new BillingSettingsChanged(BillingMode.Credits, 1m, 2m, "$", 100m, 30, null, 4096, "admin", At));

        var opened = CreditLedger.Open(null, "bob", settings, GrantId, At);
        var account = CreditAccount.Create(Assert.IsType<CreditAccountOpened>(opened[0]));
        account.Apply(Assert.IsType<CreditsGranted>(opened[1]));

        Assert.Equal((100m, GrantSource.Welcome, (DateTimeOffset?)At.AddDays(30)), (account.Balance, account.Grants[0].Source, account.Grants[0].ExpiresAt));
        Assert.Empty(CreditLedger.Open(account, "bob", settings, Guid.NewGuid(), At));
    }

    [Fact]
    public void Removing_more_than_is_available_is_refused_and_an_adjustment_needs_a_reason()
    {
        var account = Given(Granted(5m), Held("call-1", 3m));

        Assert.Equal(CreditRule.InsufficientCredits, Assert.Throws<CreditRuleException>(() => CreditLedger.Adjust(account, Guid.NewGuid(), -3m, "refund", "admin", At)).Rule);
        Assert.Equal(CreditRule.InvalidValue, Assert.Throws<CreditRuleException>(() => CreditLedger.Adjust(account, Guid.NewGuid(), 1m, " ", "admin", At)).Rule);

        Apply(account, CreditLedger.Adjust(account, Guid.NewGuid(), -2m, "duplicate top-up", "admin", At));
        Assert.Equal((3m, 0m), (account.Balance, account.Available));
    }

    [Fact]
    public void Overdue_holds_are_those_past_their_expiry()
    {
        var account = Given(Granted(10m), Held("early", 1m, At.AddMinutes(5)), Held("late", 1m, At.AddMinutes(30)));

        var overdue = CreditLedger.OverdueHolds(account, At.AddMinutes(10));

        Assert.Equal("early", Assert.Single(overdue).CallId);
    }
}
