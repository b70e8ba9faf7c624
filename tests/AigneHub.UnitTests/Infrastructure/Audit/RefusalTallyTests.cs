using AigneHub.Infrastructure.Audit;

namespace AigneHub.UnitTests.Infrastructure.Audit;

/// <summary>Refusals counted per kind, target, reason, address and minute: the first written at once, the rest handed over once, when the minute is over.</summary>
public sealed class RefusalTallyTests
{
    private static readonly DateTimeOffset Minute = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_the_first_refusal_of_a_minute_is_written_at_once_and_the_rest_are_handed_over_when_the_minute_is_over()
    {
        var tally = new RefusalTally();

        var written = Enumerable.Range(0, 200).Count(i => tally.Note("IpDenied", "address:203.0.113.7", "refused: denied", "203.0.113.7", Minute.AddMilliseconds(i * 100)));

        Assert.Equal(1, written);
        Assert.Empty(tally.TakeDue(Minute.AddSeconds(59), everything: false));
        var due = Assert.Single(tally.TakeDue(Minute.AddSeconds(60), everything: false));
        Assert.Equal(199, due.Count);
        Assert.Equal(Minute.AddMilliseconds(199 * 100), due.LastAt);
        Assert.Empty(tally.TakeDue(Minute.AddMinutes(5), everything: true));
        Assert.Equal(0, tally.Count);
    }

    [Fact]
    public void Another_kind_target_reason_address_or_minute_is_another_bucket()
    {
        var tally = new RefusalTally();

        Assert.True(tally.Note("IpDenied", "address:a", "refused: x", "a", Minute));
        Assert.True(tally.Note("KeyRefused", "address:a", "refused: x", "a", Minute));
        Assert.True(tally.Note("IpDenied", "address:b", "refused: x", "b", Minute));
        Assert.True(tally.Note("IpDenied", "address:a", "refused: y", "a", Minute));
        Assert.True(tally.Note("IpDenied", "key:k", "refused: x", "a", Minute));
        Assert.True(tally.Note("IpDenied", "key:k", "refused: x", "b", Minute));
        Assert.True(tally.Note("IpDenied", "address:a", "refused: x", "a", Minute.AddMinutes(1)));
        Assert.False(tally.Note("IpDenied", "address:a", "refused: x", "a", Minute.AddSeconds(59)));
    }

    [Fact]
    public void Stopping_hands_over_the_counts_of_the_minute_still_open()
    {
        var tally = new RefusalTally();
        for (var i = 0; i < 10; i++)
        {
            tally.Note("IpDenied", "address:a", "refused: x", "a", Minute.AddSeconds(i));
        }

        var due = Assert.Single(tally.TakeDue(Minute.AddSeconds(10), everything: true));

        Assert.Equal(9, due.Count);
    }

    [Fact]
    public void Past_the_bucket_bound_every_refusal_is_written_on_its_own_so_none_goes_uncounted()
    {
        var tally = new RefusalTally();
        for (var i = 0; i < RefusalTally.MaxBuckets; i++)
        {
            Assert.True(tally.Note("IpDenied", $"address:{i}", "refused: x", i.ToString(System.Globalization.CultureInfo.InvariantCulture), Minute));
        }

        Assert.True(tally.Note("IpDenied", "address:new", "refused: x", "new", Minute));
        Assert.True(tally.Note("IpDenied", "address:new", "refused: x", "new", Minute));
        Assert.Equal(RefusalTally.MaxBuckets, tally.Count);
    }
}
