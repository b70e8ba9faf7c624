using AigneHub.Application.Abstractions;
using AigneHub.Domain.Access;
using AigneHub.Infrastructure.Access;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AigneHub.IntegrationTests.Access;

/// <summary>
/// The rate limiter admits calls from slots it leases from the shared table: a busy caller costs the database one
/// round trip per lease, not per call, and the limit stays exact however many instances share the table.
/// </summary>
public sealed class RateLimiterLeaseTests : IAsyncLifetime
{
    private static readonly Caller Member = new("u-lease", UserRole.Member, null, null, new HashSet<string>());

    /// <summary>Mid-minute and standing still: no window rolls over under a test.</summary>
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero));
    private string _connection = null!;
    private NpgsqlDataSource _data = null!;
    private readonly List<PostgresRateLimiter> _limiters = [];

    public async Task InitializeAsync()
    {
        _connection = await TestDatabase.CreateAsync("rate-leases");
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var schema = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS aignehub", connection);
        await schema.ExecuteNonQueryAsync();
        _data = NpgsqlDataSource.Create(_connection);
    }

    public async Task DisposeAsync()
    {
        foreach (var limiter in _limiters)
        {
            await limiter.DisposeAsync();
        }

        await _data.DisposeAsync();
    }

    private async Task<PostgresRateLimiter> LimiterAsync(int requestsPerMinute, int tokensPerMinute = 0, TimeProvider? clock = null)
    {
        var options = Options.Create(new RateLimitOptions { User = new RateLimitPair { RequestsPerMinute = requestsPerMinute, TokensPerMinute = tokensPerMinute } });
        var limiter = new PostgresRateLimiter(_data, null!, clock ?? Clock, options, NullLogger<PostgresRateLimiter>.Instance);
        await limiter.StartAsync(CancellationToken.None);
        _limiters.Add(limiter);
        return limiter;
    }

    private async Task<long> CountedAsync(string column)
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT coalesce(sum({column}), 0) FROM aignehub.rate_windows WHERE subject = 'user:u-lease'", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_busy_caller_with_a_high_limit_takes_its_slots_in_leases_not_one_per_call()
    {
        var limiter = await LimiterAsync(requestsPerMinute: 10_000);

        for (var i = 0; i < 40; i++)
        {
            Assert.True((await limiter.AdmitAsync(Member, 10, CancellationToken.None)).Admitted);
        }

        // One lease (a sixteenth of the window, at most 64 slots) covered all 40 calls: the table saw one claim.
        Assert.Equal(64, await CountedAsync("requests"));
        var last = await limiter.AdmitAsync(Member, 10, CancellationToken.None);
        Assert.Equal(10_000 - 41, last.RemainingRequests);
    }

    [Fact]
    public async Task Two_instances_hammering_one_limit_admit_exactly_the_limit_between_them()
    {
        var first = await LimiterAsync(requestsPerMinute: 150);
        var second = await LimiterAsync(requestsPerMinute: 150);

        var calls = Enumerable.Range(0, 400)
            .Select(i => Task.Run(async () => (await (i % 2 == 0 ? first : second).AdmitAsync(Member, 1, CancellationToken.None)).Admitted));
        var admitted = (await Task.WhenAll(calls)).Count(a => a);

        Assert.Equal(150, admitted);
        Assert.Equal(150, await CountedAsync("requests"));
    }

    [Fact]
    public async Task A_refused_call_names_the_limit_and_leaves_the_window_as_it_was()
    {
        var limiter = await LimiterAsync(requestsPerMinute: 2);

        Assert.True((await limiter.AdmitAsync(Member, 1, CancellationToken.None)).Admitted);
        Assert.True((await limiter.AdmitAsync(Member, 1, CancellationToken.None)).Admitted);
        var refused = await limiter.AdmitAsync(Member, 1, CancellationToken.None);

        Assert.False(refused.Admitted);
        Assert.Contains("requests per minute (limit 2)", refused.ExceededBy, StringComparison.Ordinal);
        Assert.Equal(0, refused.RemainingRequests);
        Assert.Equal(2, await CountedAsync("requests"));
    }

    [Fact]
    public async Task Tokens_used_beyond_the_estimate_reach_the_table_once_the_lease_is_overdrawn()
    {
        var limiter = await LimiterAsync(requestsPerMinute: 0, tokensPerMinute: 1_000);

        var admission = await limiter.AdmitAsync(Member, 100, CancellationToken.None);
        Assert.True(admission.Admitted);
        var leased = await CountedAsync("tokens");

        await limiter.CorrectAsync(Member, admission, 100 + (int)leased, CancellationToken.None);

        // The call used its estimate and the whole lease again: the overdraft is counted for every instance to see.
        Assert.Equal(leased + 100, await CountedAsync("tokens"));
        var refused = await limiter.AdmitAsync(Member, 1_000, CancellationToken.None);
        Assert.False(refused.Admitted);
    }

    [Fact]
    public async Task Slots_an_instance_leased_and_did_not_use_go_back_when_it_stops()
    {
        var limiter = await LimiterAsync(requestsPerMinute: 10_000);
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await limiter.AdmitAsync(Member, 1, CancellationToken.None)).Admitted);
        }

        Assert.Equal(64, await CountedAsync("requests"));
        await limiter.StopAsync(CancellationToken.None);

        Assert.Equal(5, await CountedAsync("requests"));
    }

    [Fact]
    public async Task A_hub_that_saw_many_callers_keeps_claim_gates_only_for_those_of_the_current_minute()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero));
        var limiter = await LimiterAsync(requestsPerMinute: 100, clock: clock);
        for (var i = 0; i < 50; i++)
        {
            Assert.True((await limiter.AdmitAsync(Member with { UserId = $"u-gate-{i}" }, 1, CancellationToken.None)).Admitted);
        }

        Assert.Equal(50, limiter.ClaimGates);

        clock.Now = clock.Now.AddMinutes(1);
        Assert.True((await limiter.AdmitAsync(Member with { UserId = "u-gate-next" }, 1, CancellationToken.None)).Admitted);

        Assert.Equal(1, limiter.ClaimGates);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
