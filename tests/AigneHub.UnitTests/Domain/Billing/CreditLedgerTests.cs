using System.Globalization;
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

    private static CreditsGranted Granted(
        decimal amount, DateTimeOffset? expiresAt = null, Guid? id = null, string? reference = null, GrantSource source = GrantSource.Admin) =>
        new(id ?? GrantId, amount, source, expiresAt, reference, "admin", At);

    private static CreditsHeld Held(string callId, decimal amount, DateTimeOffset? expiresAt = null) =>
        new(callId, amount, "openai/gpt-4o-mini", expiresAt ?? At.AddMinutes(15), At);

    private static IReadOnlyList<object> Capture(CreditAccount account, string callId, decimal cost) =>
        CreditLedger.Capture(account, new CallCapture(callId, cost, "rate:chat:openai/gpt-4o-mini", 3, new(10, 20), 0.0001m), At);

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
    public void A_call_captured_after_its_hold_was_released_is_still_charged_from_the_available_balance()
    {
        // Recovery released the hold of a call that was in fact still being served; the call then ends and captures.
        var account = Given(Granted(10m), Held("call-1", 4m), new HoldReleased("call-1", 4m, "recovered: the call never completed", At));

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(Capture(account, "call-1", 3m)));
        Apply(account, captured);

        Assert.Equal((0m, 3m, 0m), (captured.HoldAmount, captured.Amount, captured.Uncollected));
        Assert.Equal((7m, 0m, 7m, 3m), (account.Balance, account.Held, account.Available, account.TotalSpent));
        Assert.Equal(Settlement.Captured, account.Settled["call-1"]);
        Assert.Empty(Capture(account, "call-1", 3m));
    }

    [Fact]
    public void A_late_capture_takes_no_more_than_is_available()
    {
        var account = Given(Granted(10m), Held("call-1", 4m), new HoldReleased("call-1", 4m, "recovered", At), Held("call-2", 8m));

        var captured = Assert.IsType<HoldCaptured>(Assert.Single(Capture(account, "call-1", 5m)));
        Apply(account, captured);

        Assert.Equal((2m, 3m), (captured.Amount, captured.Uncollected));
        Assert.Equal((8m, 8m, 0m), (account.Balance, account.Held, account.Available));
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
        var account = Given(Granted(5m, reference: "pay_1", source: GrantSource.Purchase));

        Assert.Empty(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 5m, GrantSource.Purchase, null, "pay_1"), "webhook", At));
        Assert.Single(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 5m, GrantSource.Purchase, null, "pay_2"), "webhook", At));
    }

    [Fact]
    public void A_payment_spent_in_full_still_keeps_its_replay_from_granting_again()
    {
        var account = Given(Granted(5m, reference: "pay_1", source: GrantSource.Purchase), Held("call-1", 5m));
        Apply(account, Capture(account, "call-1", 5m).Single());

        Assert.Empty(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 5m, GrantSource.Purchase, null, "pay_1"), "webhook", At));
    }

    [Fact]
    public void An_operators_grant_with_an_idempotency_key_is_granted_once_even_after_it_was_spent()
    {
        var account = Given();
        Apply(account, Assert.Single(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 5m, GrantSource.Promotion, null, "key-1"), "admin", At)));
        Apply(account, CreditLedger.Hold(account, "call-1", 5m, "m", At.AddMinutes(15), At));
        Apply(account, Capture(account, "call-1", 5m).Single());

        Assert.Empty(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 5m, GrantSource.Promotion, null, "key-1"), "admin", At));
        Assert.Equal(5m, account.TotalGranted);
    }

    [Fact]
    public void An_idempotency_key_used_for_a_different_grant_is_refused()
    {
        var account = Given(Granted(5m, reference: "key-1"));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 50m, GrantSource.Admin, null, "key-1"), "admin", At));

        Assert.Equal((CreditRule.ReferenceReused, "idempotency_key"), (error.Rule, error.Field));
    }

    [Fact]
    public void An_idempotency_key_and_a_payment_id_that_are_spelled_alike_do_not_collide()
    {
        var account = Given(Granted(5m, reference: "abc", source: GrantSource.Purchase));

        Assert.Single(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 7m, GrantSource.Admin, null, "abc"), "admin", At));
    }

    [Theory]
    [InlineData("79000000000000000000000000000")]
    [InlineData("1000000000000.000001")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.0000001")]
    public void A_grant_outside_the_ledger_is_refused(string amount)
    {
        var account = Given(Granted(10m));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), decimal.Parse(amount, CultureInfo.InvariantCulture), GrantSource.Admin, null, null), "admin", At));

        Assert.Equal(CreditRule.InvalidAmount, error.Rule);
    }

    [Theory]
    [InlineData("79000000000000000000000000000")]
    [InlineData("-79000000000000000000000000000")]
    [InlineData("1000000000000.000001")]
    [InlineData("0")]
    [InlineData("1.0000001")]
    public void An_adjustment_outside_the_ledger_is_refused(string amount)
    {
        var account = Given(Granted(10m));

        var error = Assert.Throws<CreditRuleException>(() => CreditLedger.Adjust(account, Guid.NewGuid(), decimal.Parse(amount, CultureInfo.InvariantCulture), "fix", "admin", At));

        Assert.Equal(CreditRule.InvalidAmount, error.Rule);
    }

    [Fact]
    public void The_largest_amount_the_ledger_takes_is_granted()
    {
        var account = Given();

        Assert.Single(CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), Credits.MaxAmount, GrantSource.Admin, null, null), "admin", At));
    }

    [Fact]
    public void Ledger_time_never_goes_back_when_a_writer_decides_with_an_earlier_clock()
    {
        var later = At.AddSeconds(42);
        var account = Given(Granted(10m) with { At = later }, Held("call-1", 1m) with { At = later }, Held("call-2", 1m) with { At = later });

        // Decided with a clock 42 s behind the last entry (another instance's, or a call that queued for the account).
        var held = CreditLedger.Hold(account, "call-3", 1m, "m", At.AddMinutes(15), At);
        var captured = Capture(account, "call-1", 1m).Single();
        var released = CreditLedger.Release(account, "call-2", "failed", At).Single();
        var granted = CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 1m, GrantSource.Admin, null, null), "admin", At).Single();
        var adjusted = CreditLedger.Adjust(account, Guid.NewGuid(), 1m, "fix", "admin", At);

        Assert.All(new ICreditLedgerEntry[] { held, (ICreditLedgerEntry)captured, (ICreditLedgerEntry)released, (ICreditLedgerEntry)granted, adjusted },
            entry => Assert.Equal(later, entry.At));
        Assert.Equal(At.AddMinutes(1), CreditLedger.TimeOf(account, At.AddMinutes(1)));
    }

    [Fact]
    public void Expiry_is_dated_no_earlier_than_the_entry_before_it()
    {
        var account = Given(Granted(5m, At.AddDays(1)), Held("call-1", 1m) with { At = At.AddDays(2) });

        var expired = Assert.IsType<GrantExpired>(Assert.Single(CreditLedger.ExpireGrants(account, At.AddDays(1).AddHours(1))));

        Assert.Equal(At.AddDays(2), expired.At);
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
