using AigneHub.Application.Audit;
using AigneHub.Application.Budgets;
using AigneHub.Application.Teams;
using AigneHub.Domain.Budgets;

namespace AigneHub.Infrastructure.Budgets;

/// <summary>
/// The reservations of <see cref="PostgresSpendBudgets"/> per call and budget (<c>spend_reservations</c>): taken with
/// the window's reservation, renewed while the call runs, and released by the recovery job once their owner's lease lapsed.
/// </summary>
internal sealed partial class PostgresSpendBudgets
{
    public async Task<ReservationRecovery> ReleaseLapsedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        var calls = new List<string>();
        await using (var lapsed = new NpgsqlCommand($"SELECT DISTINCT call_id FROM {Reservations} WHERE expires_at <= @now", connection))
        {
            lapsed.Parameters.AddWithValue("now", now.UtcDateTime);
            await using var reader = await lapsed.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                calls.Add(reader.GetString(0));
            }
        }

        var count = 0;
        var total = 0m;
        foreach (var callId in calls)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Taken only if still lapsed: a renewal since the query above means its owner is alive after all.
            var taken = await TakeReservationAsync(connection, transaction, callId, lapsedBy: now, cancellationToken);
            foreach (var row in taken.OrderBy(r => r.BudgetId, StringComparer.Ordinal))
            {
                await ReturnAsync(connection, transaction, row.BudgetId, row.WindowStart, row.AmountUsd, 0m, null, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (taken.Count > 0)
            {
                count++;
                total += taken.Sum(r => r.AmountUsd);
                LogReleased(logger, callId, taken[0].Owner, taken[0].AmountUsd, taken.Count);
            }
        }

        return new ReservationRecovery(count, total);
    }

    /// <summary>
    /// Extends the leases of this instance's calls that have held a reservation for a third of the lease or more (short
    /// calls never write), so the recovery job leaves them alone while they run.
    /// </summary>
    internal async Task RenewLeasesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lease = options.Value.ReservationLease;
        foreach (var (callId, _) in _live.Where(c => now - c.Value > MaxRenewedAge).ToArray())
        {
            _live.TryRemove(callId, out _);
            LogAbandoned(logger, callId);
        }

        var due = _live.Where(c => now - c.Value >= lease / 3).Select(c => c.Key).ToArray();
        if (due.Length == 0)
        {
            return;
        }

        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        await using var renew = new NpgsqlCommand($"UPDATE {Reservations} SET expires_at = @expires WHERE call_id = ANY(@calls)", connection);
        renew.Parameters.AddWithValue("expires", (now + lease).UtcDateTime);
        renew.Parameters.AddWithValue("calls", due);
        await renew.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the call's reservation rows (only lapsed ones when <paramref name="lapsedBy"/> is set) and returns what they held.</summary>
    private static async Task<List<TakenReservation>> TakeReservationAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string callId, DateTimeOffset? lapsedBy, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand(
            $"DELETE FROM {Reservations} WHERE call_id = @call AND (@lapsed::timestamptz IS NULL OR expires_at <= @lapsed) RETURNING budget_id, window_start, amount_usd, owner",
            connection, transaction);
        take.Parameters.AddWithValue("call", callId);
        take.Parameters.Add(new NpgsqlParameter("lapsed", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)lapsedBy?.UtcDateTime ?? DBNull.Value });
        var taken = new List<TakenReservation>();
        await using var reader = await take.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            taken.Add(new TakenReservation(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDecimal(2), reader.GetString(3)));
        }

        return taken;
    }

    /// <summary>
    /// Gives <paramref name="releasedUsd"/> of a window's reservations back and adds <paramref name="costUsd"/> to its
    /// spend; returns the spend when this took it from below the soft threshold to it or above. Spend only grows, so
    /// exactly one settlement per window does that (under the row lock): only that one notifies.
    /// </summary>
    private static async Task<decimal?> ReturnAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string budgetId, DateTimeOffset windowStart, decimal releasedUsd, decimal costUsd,
        decimal? softLimitUsd, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE {Table}
            SET reserved_usd = GREATEST(0, reserved_usd - @released), spent_usd = spent_usd + @cost
            WHERE budget_id = @id AND window_start = @start
            RETURNING spent_usd, @soft::numeric IS NOT NULL AND spent_usd >= @soft::numeric AND spent_usd - @cost < @soft::numeric
            """, connection, transaction);
        command.Parameters.AddWithValue("id", budgetId);
        command.Parameters.AddWithValue("start", windowStart.UtcDateTime);
        command.Parameters.AddWithValue("released", releasedUsd);
        command.Parameters.AddWithValue("cost", costUsd);
        command.Parameters.Add(new NpgsqlParameter("soft", NpgsqlTypes.NpgsqlDbType.Numeric) { Value = (object?)softLimitUsd ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && reader.GetBoolean(1) ? reader.GetDecimal(0) : null;
    }

    /// <summary>Renews this instance's reservation leases every third of a lease, until the host stops.</summary>
    private async Task RenewAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.ReservationLease / 3, time, stopping);
                await RenewLeasesAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The leases written last still run for two thirds of a lease: the next renewal tries again.
                LogRenewalFailed(logger, ex, _live.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released the spend-budget reservation of call {CallId}: its owner {Owner} stopped renewing it; {AmountUsd} USD given back on each of {Budgets} budgets")]
    private static partial void LogReleased(ILogger logger, string callId, string owner, decimal amountUsd, int budgets);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId} has held a spend-budget reservation for a day without settling; it is no longer renewed and the recovery job will release it")]
    private static partial void LogAbandoned(ILogger logger, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the spend-budget reservations of {Count} calls in flight failed; retrying at the next renewal")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, int count);

    private sealed record TakenReservation(string BudgetId, DateTimeOffset WindowStart, decimal AmountUsd, string Owner);
}
