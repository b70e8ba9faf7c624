using AigneHub.Application;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Audit;
using AigneHub.Application.Budgets;
using AigneHub.Application.Teams;
using AigneHub.Domain.Access;
using AigneHub.Domain.Budgets;
using AigneHub.Infrastructure;
using AigneHub.Infrastructure.Budgets;
using AigneHub.Infrastructure.Persistence;
using AigneHub.IntegrationTests.Billing;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Budgets;

/// <summary>Spend budgets' shared counters on a real PostgreSQL: windows, resets, concurrency, several instances, the soft threshold.</summary>
public sealed class SpendBudgetTests : IAsyncLifetime
{
    private static readonly Caller Alice = new("alice", UserRole.Member, "key-1", null, new HashSet<string> { KeyScopes.Inference });

    private readonly MovableClock _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 10, TimeSpan.Zero));
    private readonly RecordingAuditTrail _audit = new();
    private readonly List<PostgresSpendBudgets> _instances = [];
    private readonly List<Npgsql.NpgsqlDataSource> _pools = [];
    private string _connectionString = string.Empty;
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.CreateAsync("budgets");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, _connectionString));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.StopAsync(CancellationToken.None);
            await instance.DisposeAsync();
        }

        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }

        await _store.DisposeAsync();
    }

    [Fact]
    public async Task A_key_with_one_cent_a_minute_is_refused_once_it_spent_it_and_admitted_again_after_the_reset()
    {
        await SetAsync(BudgetScope.Key, "key-1", 0.01m, BudgetPeriod.Minute);
        var budgets = await InstanceAsync();

        for (var call = 0; call < 2; call++)
        {
            var reservation = await budgets.ReserveAsync(Alice, 0.004m, NewCall(), CancellationToken.None);
            await budgets.SettleAsync(reservation, 0.004m, CancellationToken.None);
        }

        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => budgets.ReserveAsync(Alice, 0.004m, NewCall(), CancellationToken.None));
        Assert.Equal(("key:key-1", 0.002m, new DateTimeOffset(2026, 12, 7, 12, 1, 0, TimeSpan.Zero)), (refused.BudgetId, refused.RemainingUsd, refused.ResetsAt));

        _clock.Advance(TimeSpan.FromSeconds(50));
        var admitted = await budgets.ReserveAsync(Alice, 0.004m, NewCall(), CancellationToken.None);
        Assert.Equal(0.006m, admitted.Tightest!.RemainingUsd);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 12, 2, 0, TimeSpan.Zero), admitted.Tightest.ResetsAt);
    }

    [Fact]
    public async Task A_call_that_cost_less_than_its_reservation_gives_the_rest_back()
    {
        await SetAsync(BudgetScope.User, "alice", 1m, BudgetPeriod.Day);
        var budgets = await InstanceAsync();

        var reservation = await budgets.ReserveAsync(Alice, 0.9m, NewCall(), CancellationToken.None);
        await budgets.SettleAsync(reservation, 0.1m, CancellationToken.None);
        var status = Assert.Single(await budgets.StatusAsync([await LoadAsync("user:alice")], CancellationToken.None));

        Assert.Equal((0.1m, 0m, 0.9m), (status.SpentUsd, status.ReservedUsd, status.RemainingUsd));
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), status.ResetsAt);
    }

    [Fact]
    public async Task A_hundred_concurrent_calls_on_two_instances_never_overshoot_a_shared_team_budget()
    {
        await SetAsync(BudgetScope.Team, "red", 0.25m, BudgetPeriod.Hour);
        var first = await InstanceAsync();
        var second = await InstanceAsync();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            try
            {
                var budgets = i % 2 == 0 ? first : second;
                var reservation = await budgets.ReserveAsync(Alice, 0.01m, NewCall(), CancellationToken.None);
                await budgets.SettleAsync(reservation, 0.01m, CancellationToken.None);
                return true;
            }
            catch (BudgetExceededException)
            {
                return false;
            }
        }));

        Assert.Equal(25, attempts.Count(admitted => admitted));
        var status = Assert.Single(await second.StatusAsync([await LoadAsync("team:red")], CancellationToken.None));
        Assert.Equal((0.25m, 0m), (status.SpentUsd, status.ReservedUsd));
    }

    [Fact]
    public async Task A_refusal_by_one_budget_reserves_nothing_on_the_others()
    {
        await SetAsync(BudgetScope.Hub, string.Empty, 100m, BudgetPeriod.None);
        await SetAsync(BudgetScope.Key, "key-1", 0.01m, BudgetPeriod.None);
        var budgets = await InstanceAsync();

        await Assert.ThrowsAsync<BudgetExceededException>(() => budgets.ReserveAsync(Alice, 0.5m, NewCall(), CancellationToken.None));

        var hub = Assert.Single(await budgets.StatusAsync([await LoadAsync("hub")], CancellationToken.None));
        Assert.Equal((0m, 0m, (DateTimeOffset?)null), (hub.SpentUsd, hub.ReservedUsd, hub.ResetsAt));
    }

    [Fact]
    public async Task Reaching_the_soft_threshold_is_recorded_in_the_audit_trail_once_per_window()
    {
        await SetAsync(BudgetScope.Key, "key-1", 1m, BudgetPeriod.Minute, soft: 0.5m);
        var budgets = await InstanceAsync();

        foreach (var cost in new[] { 0.3m, 0.3m, 0.3m })
        {
            await budgets.SettleAsync(await budgets.ReserveAsync(Alice, 0.3m, NewCall(), CancellationToken.None), cost, CancellationToken.None);
        }

        Assert.Equal(["BudgetSoftLimitReached budget:key:key-1"], _audit.Entries);
    }

    [Fact]
    public async Task The_reservation_of_a_call_whose_instance_died_is_given_back_by_the_recovery_job_on_a_budget_that_never_resets()
    {
        await SetAsync(BudgetScope.Team, "red", 1m, BudgetPeriod.None);
        var survivor = await InstanceAsync();
        var dying = await InstanceAsync();
        await dying.ReserveAsync(Alice, 0.4m, NewCall(), CancellationToken.None);
        await StopAsync(dying);

        _clock.Advance(new BudgetOptions().ReservationLease + TimeSpan.FromSeconds(1));
        var recovery = await survivor.ReleaseLapsedAsync(CancellationToken.None);

        Assert.Equal(new ReservationRecovery(1, 0.4m), recovery);
        var status = Assert.Single(await survivor.StatusAsync([await LoadAsync("team:red")], CancellationToken.None));
        Assert.Equal((0m, 0m, 1m), (status.SpentUsd, status.ReservedUsd, status.RemainingUsd));
    }

    [Fact]
    public async Task The_reservation_of_a_call_still_running_is_renewed_and_kept_by_the_recovery_job()
    {
        await SetAsync(BudgetScope.Team, "red", 1m, BudgetPeriod.None);
        var budgets = await InstanceAsync();
        var reservation = await budgets.ReserveAsync(Alice, 0.4m, NewCall(), CancellationToken.None);

        // A long call: its instance renews every third of a lease, well past the lease it reserved with.
        for (var renewal = 0; renewal < 6; renewal++)
        {
            _clock.Advance(new BudgetOptions().ReservationLease / 3);
            await budgets.RenewLeasesAsync(CancellationToken.None);
            Assert.Equal(new ReservationRecovery(0, 0m), await budgets.ReleaseLapsedAsync(CancellationToken.None));
        }

        var running = Assert.Single(await budgets.StatusAsync([await LoadAsync("team:red")], CancellationToken.None));
        Assert.Equal(0.4m, running.ReservedUsd);
        await budgets.SettleAsync(reservation, 0.1m, CancellationToken.None);
        var settled = Assert.Single(await budgets.StatusAsync([await LoadAsync("team:red")], CancellationToken.None));
        Assert.Equal((0.1m, 0m), (settled.SpentUsd, settled.ReservedUsd));
    }

    [Fact]
    public async Task A_call_settling_after_its_reservation_was_released_counts_its_cost_without_giving_the_reservation_back_twice()
    {
        await SetAsync(BudgetScope.Key, "key-1", 1m, BudgetPeriod.None);
        var budgets = await InstanceAsync();
        var late = await budgets.ReserveAsync(Alice, 0.3m, NewCall(), CancellationToken.None);
        _clock.Advance(new BudgetOptions().ReservationLease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await budgets.ReleaseLapsedAsync(CancellationToken.None)).Reservations);
        var other = await budgets.ReserveAsync(Alice, 0.5m, NewCall(), CancellationToken.None);

        await budgets.SettleAsync(late, 0.2m, CancellationToken.None);

        var status = Assert.Single(await budgets.StatusAsync([await LoadAsync("key:key-1")], CancellationToken.None));
        Assert.Equal((0.2m, other.EstimateUsd), (status.SpentUsd, status.ReservedUsd));
    }

    private static string NewCall() => Guid.NewGuid().ToString();

    /// <summary>The instance stops as a dead one does: its renewals end, its calls never settle.</summary>
    private async Task StopAsync(PostgresSpendBudgets instance)
    {
        _instances.Remove(instance);
        await instance.StopAsync(CancellationToken.None);
        await instance.DisposeAsync();
    }

    private async Task SetAsync(BudgetScope scope, string subject, decimal limit, BudgetPeriod period, decimal? soft = null)
    {
        await using var session = _store.LightweightSession();
        session.Store(new SpendBudget
        {
            Id = SpendBudget.IdOf(scope, subject), Scope = scope, SubjectId = subject, LimitUsd = limit, SoftLimitUsd = soft, Period = period,
            UpdatedAt = _clock.GetUtcNow(), UpdatedBy = "test",
        });
        await session.SaveChangesAsync();
    }

    private async Task<SpendBudget> LoadAsync(string id)
    {
        await using var session = _store.QuerySession();
        return (await session.LoadAsync<SpendBudget>(id))!;
    }

    /// <summary>One hub instance's budget service (its own connection pool and budgets in memory) over the shared database.</summary>
    private async Task<PostgresSpendBudgets> InstanceAsync()
    {
        var services = new ServiceCollection().AddSingleton<IAuditTrail>(_audit).BuildServiceProvider();
        var instance = new PostgresSpendBudgets(
            Pool(), _store, _clock, Options.Create(new BudgetOptions()), services, new HubInstance(), NullLogger<PostgresSpendBudgets>.Instance,
            new RedTeamKeys());
        await instance.StartAsync(CancellationToken.None);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Each instance's own main pool, as each hub process has.</summary>
    private Npgsql.NpgsqlDataSource Pool()
    {
        var pool = Npgsql.NpgsqlDataSource.Create(_connectionString);
        _pools.Add(pool);
        return pool;
    }

    /// <summary>Alice's key-1 is a key of the team "red".</summary>
    private sealed class RedTeamKeys : ITeamDirectory
    {
        public string? TeamOfKey(string keyId) => keyId == "key-1" ? "red" : null;

        public Task ReloadAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingAuditTrail : IAuditTrail
    {
        private readonly List<string> _entries = [];

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public Task RecordAsync(string kind, string target, string? before, string? after, string outcome, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                _entries.Add($"{kind} {target}");
            }

            return Task.CompletedTask;
        }
    }
}
