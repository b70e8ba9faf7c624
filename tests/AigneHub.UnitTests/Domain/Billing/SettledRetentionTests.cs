using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.UnitTests.Domain.Billing;

/// <summary>The account document remembers a day of settled calls, not every call ever made.</summary>
public sealed class SettledRetentionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Three_days_of_calls_leave_about_one_day_of_settled_ids_and_a_recent_duplicate_capture_is_still_a_no_op()
    {
        var account = CreditAccount.Create(new CreditAccountOpened("busy", Start));
        account.Apply(new CreditsGranted(Guid.NewGuid(), 1_000_000m, GrantSource.Admin, null, null, "admin", Start));
        var at = Start;
        for (var call = 0; call < 3 * 24 * 20; call++) // 20 calls an hour for three days
        {
            at = Start.AddMinutes(call * 3);
            var id = $"call-{call}";
            account.Apply(CreditLedger.Hold(account, id, 1m, "openai/gpt-4o-mini", at.AddMinutes(15), at));
            foreach (var e in CreditLedger.Capture(account, new CallCapture(id, 0.5m, "rate", 1, new(1, 1)), at))
            {
                account.Apply((HoldCaptured)e);
            }
        }

        // At most a day and an hour's worth (the pruning runs hourly), and far fewer than all 1,440 calls.
        Assert.InRange(account.Settled.Count, 24 * 20, 25 * 20);
        Assert.Equal(account.Settled.Count, account.SettledAt.Count);
        Assert.Equal(1_440 * 0.5m, account.TotalSpent);

        var recent = $"call-{(3 * 24 * 20) - 1}";
        Assert.Empty(CreditLedger.Capture(account, new CallCapture(recent, 0.5m, "rate", 1, new(1, 1)), at));

        var forgotten = Assert.Throws<CreditRuleException>(() => CreditLedger.Capture(account, new CallCapture("call-0", 0.5m, "rate", 1, new(1, 1)), at));
        Assert.Equal(CreditRule.UnknownHold, forgotten.Rule);
    }
}
