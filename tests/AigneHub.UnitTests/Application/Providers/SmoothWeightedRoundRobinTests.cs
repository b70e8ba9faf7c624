using AigneHub.Application.Providers.Routing;

namespace AigneHub.UnitTests.Application.Providers;

public sealed class SmoothWeightedRoundRobinTests
{
    [Fact]
    public void Over_a_thousand_calls_each_member_gets_its_weighted_share()
    {
        var balancer = new SmoothWeightedRoundRobin<string>([("a", 5), ("b", 3), ("c", 2)]);

        var counts = Enumerable.Range(0, 1000).Select(_ => balancer.Order()[0]).GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());

        // Smooth WRR is exact over every full cycle (10 picks here), so 1,000 calls split exactly 500/300/200.
        Assert.Equal(500, counts["a"]);
        Assert.Equal(300, counts["b"]);
        Assert.Equal(200, counts["c"]);
    }

    [Fact]
    public void Heavy_members_are_interleaved_not_picked_in_bursts()
    {
        var balancer = new SmoothWeightedRoundRobin<string>([("a", 5), ("b", 1), ("c", 1)]);

        var picks = string.Concat(Enumerable.Range(0, 7).Select(_ => balancer.Order()[0]));

        Assert.Equal("aabacaa", picks);
    }

    [Fact]
    public void The_order_puts_the_pick_first_and_the_rest_by_weight_for_failover()
    {
        var balancer = new SmoothWeightedRoundRobin<string>([("a", 1), ("b", 10), ("c", 5)]);

        Assert.Equal(["b", "c", "a"], balancer.Order());
    }

    [Fact]
    public void A_member_with_zero_effective_weight_is_skipped_and_the_others_share_its_calls()
    {
        var balancer = new SmoothWeightedRoundRobin<string>([("a", 1), ("b", 1), ("c", 2)]);

        var picks = Enumerable.Range(0, 300).Select(_ => balancer.Order((m, w) => m == "c" ? 0 : w)).ToArray();

        Assert.All(picks, order => Assert.DoesNotContain("c", order));
        Assert.Equal(150, picks.Count(o => o[0] == "a"));
    }

    [Fact]
    public void No_member_left_gives_an_empty_order()
    {
        var balancer = new SmoothWeightedRoundRobin<string>([("a", 1)]);

        Assert.Empty(balancer.Order((_, _) => 0));
    }

    [Fact]
    public void Concurrent_picks_keep_the_shares()
    {
        var balancer = new SmoothWeightedRoundRobin<int>([(1, 3), (2, 1)]);

        var picks = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 4000, _ => picks.Add(balancer.Order()[0]));

        Assert.Equal(3000, picks.Count(p => p == 1));
    }
}
