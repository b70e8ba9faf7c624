using AigneHub.Application;
using AigneHub.Application.Audit;
using AigneHub.Application.Budgets;
using AigneHub.Application.Teams;
using AigneHub.Domain.Budgets;

namespace AigneHub.Infrastructure.Budgets;

/// <summary>
/// Spend-budget counters in one PostgreSQL table every instance shares, one row per budget and window, keyed by the
/// window's start (<see cref="BudgetWindows"/>): a new window is a new row that starts at zero, so a budget resets
/// exactly once on its period boundary whatever the number of instances, and nothing has to run at the boundary.
/// A reservation adds the call's estimate to each of its budgets' rows in one transaction, in budget-id order (so two
/// calls never lock each other's rows in opposite orders), with <c>INSERT … ON CONFLICT DO UPDATE … RETURNING</c>:
/// the row lock serialises concurrent calls on a budget, each sees the total its predecessors committed, and one that
/// would pass a limit rolls the whole transaction back. The budgets themselves (few) are kept in memory and read
/// again every <see cref="BudgetOptions.RefreshMs"/>.
/// Each reservation is also kept per call in <c>spend_reservations</c>, owned by the instance running the call with a
/// lease (<see cref="BudgetOptions.ReservationLeaseSeconds"/>) that instance renews while the call runs, as credit holds
/// are: when the instance dies, the leases lapse and <see cref="ReleaseLapsedAsync"/> (a recurring job) gives the
/// reservations back. Settling and releasing both take the call's reservation rows first, so an amount is given back once.
/// </summary>
internal sealed partial class PostgresSpendBudgets(
    NpgsqlDataSource data,
    IDocumentStore store,
    TimeProvider time,
    IOptions<BudgetOptions> options,
    IServiceProvider services,
    HubInstance instance,
    ILogger<PostgresSpendBudgets> logger,
    ITeamDirectory? teams = null) : ISpendBudgets, IHostedService, IAsyncDisposable
{
    private const string Table = HubMartenConfiguration.Schema + ".spend_windows";
    private const string Reservations = HubMartenConfiguration.Schema + ".spend_reservations";

    /// <summary>How long a call's reservation is renewed at most: no call runs that long, so it lost its settlement.</summary>
    private static readonly TimeSpan MaxRenewedAge = TimeSpan.FromHours(24);

    // The hub's main pool (ConnectionBudget), not a pool of its own outside the budget.
    private readonly NpgsqlDataSource _data = data;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _owner = instance.Id;
    // The calls of this instance holding a reservation, and when they reserved.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _live = new(StringComparer.Ordinal);
    private Dictionary<string, SpendBudget> _budgets = new(StringComparer.Ordinal);
    private Task _refreshing = Task.CompletedTask;
    private Task _renewing = Task.CompletedTask;

    public bool Applies(Caller? caller) => For(caller).Count > 0;

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var budgets = await session.Query<SpendBudget>().ToListAsync(cancellationToken);
        Volatile.Write(ref _budgets, budgets.ToDictionary(b => b.Id, StringComparer.Ordinal));
    }

    public async Task<BudgetReservation> ReserveAsync(Caller? caller, decimal estimateUsd, string callId, CancellationToken cancellationToken)
    {
        var budgets = For(caller);
        if (budgets.Count == 0)
        {
            return BudgetReservation.None;
        }

        var now = time.GetUtcNow();
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var windows = new List<ReservedWindow>(budgets.Count);
        foreach (var budget in budgets)
        {
            var start = BudgetWindows.StartOf(budget.Period, now);
            var resetsAt = BudgetWindows.EndOf(budget.Period, start);
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO {Table} (budget_id, window_start, reserved_usd, spent_usd) VALUES (@id, @start, @estimate, 0)
                ON CONFLICT (budget_id, window_start) DO UPDATE SET reserved_usd = {Table}.reserved_usd + excluded.reserved_usd
                RETURNING reserved_usd + spent_usd
                """, connection, transaction);
            command.Parameters.AddWithValue("id", budget.Id);
            command.Parameters.AddWithValue("start", start.UtcDateTime);
            command.Parameters.AddWithValue("estimate", estimateUsd);
            var total = (decimal)(await command.ExecuteScalarAsync(cancellationToken))!;
            var before = total - estimateUsd;
            if (before >= budget.LimitUsd || total > budget.LimitUsd)
            {
                await transaction.RollbackAsync(cancellationToken);
                var left = Math.Max(0m, budget.LimitUsd - before);
                throw new BudgetExceededException(budget.Id, left, resetsAt, Refusal(budget, left, estimateUsd, resetsAt));
            }

            windows.Add(new ReservedWindow(budget.Id, start, budget.LimitUsd, budget.SoftLimitUsd, budget.LimitUsd - total, resetsAt));
        }

        if (estimateUsd > 0m)
        {
            await using var owned = new NpgsqlCommand(
                $"""
                INSERT INTO {Reservations} (call_id, budget_id, window_start, amount_usd, owner, expires_at)
                SELECT @call, budget_id, window_start, @estimate, @owner, @expires FROM unnest(@budgets, @starts) AS r(budget_id, window_start)
                """, connection, transaction);
            owned.Parameters.AddWithValue("call", callId);
            owned.Parameters.AddWithValue("estimate", estimateUsd);
            owned.Parameters.AddWithValue("owner", _owner);
            owned.Parameters.AddWithValue("expires", (now + options.Value.ReservationLease).UtcDateTime);
            owned.Parameters.AddWithValue("budgets", windows.Select(w => w.BudgetId).ToArray());
            owned.Parameters.AddWithValue("starts", windows.Select(w => w.WindowStart.UtcDateTime).ToArray());
            await owned.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (estimateUsd > 0m)
        {
            _live[callId] = now;
        }

        return new BudgetReservation(callId, estimateUsd, windows);
    }

    public async Task SettleAsync(BudgetReservation reservation, decimal costUsd, CancellationToken cancellationToken)
    {
        if (reservation.Windows.Count == 0)
        {
            return;
        }

        _live.TryRemove(reservation.CallId, out _);
        var reached = new List<(ReservedWindow Window, decimal Spent)>();
        await using (var connection = await _data.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // Nothing left to take when the recovery job released the reservation already: the cost still counts.
            var taken = await TakeReservationAsync(connection, transaction, reservation.CallId, lapsedBy: null, cancellationToken);
            foreach (var window in reservation.Windows)
            {
                var released = taken.Where(r => r.BudgetId == window.BudgetId).Sum(r => r.AmountUsd);
                if (await ReturnAsync(connection, transaction, window.BudgetId, window.WindowStart, released, costUsd, window.SoftLimitUsd, cancellationToken) is { } spent)
                {
                    reached.Add((window, spent));
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (window, spent) in reached)
        {
            await NotifySoftLimitAsync(window, spent);
        }
    }

    public async Task<IReadOnlyList<BudgetStatus>> StatusAsync(IReadOnlyList<SpendBudget> budgets, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var statuses = new List<BudgetStatus>(budgets.Count);
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        foreach (var budget in budgets)
        {
            var start = BudgetWindows.StartOf(budget.Period, now);
            await using var command = new NpgsqlCommand(
                $"SELECT spent_usd, reserved_usd FROM {Table} WHERE budget_id = @id AND window_start = @start", connection);
            command.Parameters.AddWithValue("id", budget.Id);
            command.Parameters.AddWithValue("start", start.UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var (spent, reserved) = await reader.ReadAsync(cancellationToken) ? (reader.GetDecimal(0), reader.GetDecimal(1)) : (0m, 0m);
            statuses.Add(new BudgetStatus(budget, start, spent, reserved, BudgetWindows.EndOf(budget.Period, start)));
        }

        return statuses;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _data.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                budget_id text NOT NULL,
                window_start timestamptz NOT NULL,
                reserved_usd numeric(20, 8) NOT NULL,
                spent_usd numeric(20, 8) NOT NULL,
                PRIMARY KEY (budget_id, window_start));
            CREATE TABLE IF NOT EXISTS {Reservations} (
                call_id text NOT NULL,
                budget_id text NOT NULL,
                window_start timestamptz NOT NULL,
                amount_usd numeric(20, 8) NOT NULL,
                owner text NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (call_id, budget_id));
            CREATE INDEX IF NOT EXISTS spend_reservations_expires_at ON {Reservations} (expires_at)
            """, connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await ReloadAsync(cancellationToken);
        _refreshing = Task.Run(
            () => PollingLoop.RunAsync(TimeSpan.FromMilliseconds(options.Value.RefreshMs), time, ReloadAsync, ex => LogRefreshFailed(logger, ex), static ex => ex is NpgsqlException or InvalidOperationException, _stopping.Token),
            CancellationToken.None);
        _renewing = Task.Run(() => RenewAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _renewing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The budgets of the hub, the caller's user, the caller's key and that key's team, in id order (the order their rows are locked in).</summary>
    private List<SpendBudget> For(Caller? caller)
    {
        var budgets = Volatile.Read(ref _budgets);
        if (budgets.Count == 0)
        {
            return [];
        }

        var ids = new List<string> { SpendBudget.IdOf(BudgetScope.Hub, string.Empty) };
        if (caller is not null)
        {
            ids.Add(SpendBudget.IdOf(BudgetScope.User, caller.UserId));
            if (caller.KeyId is { } keyId)
            {
                ids.Add(SpendBudget.IdOf(BudgetScope.Key, keyId));
                if (teams?.TeamOfKey(keyId) is { } teamId)
                {
                    ids.Add(SpendBudget.IdOf(BudgetScope.Team, teamId));
                }
            }
        }

        return [.. ids.Select(id => budgets.GetValueOrDefault(id)).OfType<SpendBudget>().OrderBy(b => b.Id, StringComparer.Ordinal)];
    }

    private static string Refusal(SpendBudget budget, decimal left, decimal estimate, DateTimeOffset? resetsAt)
    {
        var whose = budget.Scope switch
        {
            BudgetScope.Hub => "The hub's",
            BudgetScope.User => "Your user's",
            BudgetScope.Team => "Your team's",
            _ => "This key's",
        };
        var period = budget.Period == BudgetPeriod.None ? string.Empty : $" per {budget.Period.ToString().ToLowerInvariant()}";
        var reset = resetsAt is { } at ? $" It resets at {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}." : " It does not reset.";
        return $"{whose} spend budget of ${budget.LimitUsd:0.########}{period} has ${left:0.########} left; this call may cost up to ${estimate:0.########}.{reset}";
    }

    private async Task NotifySoftLimitAsync(ReservedWindow window, decimal spent)
    {
        LogSoftLimitReached(logger, window.BudgetId, spent, window.SoftLimitUsd ?? 0m);
        try
        {
            var alert = new BudgetAlert(window.BudgetId, window.WindowStart, window.LimitUsd, window.SoftLimitUsd ?? 0m, spent, window.ResetsAt);
            await services.GetRequiredService<IAuditTrail>().RecordAsync(
                "BudgetSoftLimitReached", $"budget:{window.BudgetId}", null, System.Text.Json.JsonSerializer.Serialize(alert), "notified", CancellationToken.None);
            if (options.Value.WebhookUrl is not null)
            {
                services.GetRequiredService<IBackgroundJobClient>().Enqueue<BudgetAlertJobs>(job => job.DeliverAsync(alert, CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotifyFailed(logger, ex, window.BudgetId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spend budget {BudgetId} reached its soft threshold: {SpentUsd} USD spent, threshold {SoftLimitUsd} USD")]
    private static partial void LogSoftLimitReached(ILogger logger, string budgetId, decimal spentUsd, decimal softLimitUsd);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record or queue the soft-threshold notice of spend budget {BudgetId}")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string budgetId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the spend budgets failed; the ones in memory stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
