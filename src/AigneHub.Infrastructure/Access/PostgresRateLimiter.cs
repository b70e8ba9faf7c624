using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.RateLimits;
using AigneHub.Infrastructure.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AigneHub.Infrastructure.Access;

/// <summary>
/// Fixed one-minute windows counted in one PostgreSQL table that every instance shares: admission is one
/// <c>INSERT … ON CONFLICT DO UPDATE … RETURNING</c> that adds the call to the key's and the user's window and reads the
/// new totals atomically, so concurrent calls on any number of instances can never both take the last slot. A call
/// that does not fit is taken back out at once. Windows older than two minutes are deleted every minute.
/// </summary>
internal sealed partial class PostgresRateLimiter(
    NpgsqlDataSource data,
    AccessKeyCache keys,
    TimeProvider time,
    IOptions<RateLimitOptions> options,
    ILogger<PostgresRateLimiter> logger) : IRateLimiter, IHostedService, IAsyncDisposable
{
    private const string Table = HubMartenConfiguration.Schema + ".rate_windows";
    // The hub's main pool (ConnectionBudget), not a pool of its own outside the budget.
    private readonly NpgsqlDataSource _data = data;
    private readonly CancellationTokenSource _stopping = new();
    private Task _pruning = Task.CompletedTask;

    public async ValueTask<RateAdmission> AdmitAsync(Caller caller, int estimatedTokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var limits = LimitsFor(caller);
        if (limits.Count == 0)
        {
            return RateAdmission.Unlimited(window, estimatedTokens);
        }

        var resetsIn = window.AddMinutes(1) - now;
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        var totals = await CountAsync(connection, limits, window, 1, estimatedTokens, cancellationToken);

        string? exceeded = null;
        RateAdmission? tightest = null;
        foreach (var limit in limits)
        {
            var (requests, tokens) = totals[limit.Subject];
            if (exceeded is null && ((limit.Requests > 0 && requests > limit.Requests) || (limit.Tokens > 0 && tokens > limit.Tokens)))
            {
                exceeded = limit.Requests > 0 && requests > limit.Requests
                    ? $"{limit.Name} requests per minute (limit {limit.Requests})"
                    : $"{limit.Name} tokens per minute (limit {limit.Tokens}, this call needs about {estimatedTokens})";
            }

            var candidate = new RateAdmission(
                true, window, estimatedTokens,
                limit.Requests > 0 ? limit.Requests : null, limit.Requests > 0 ? Math.Max(0, limit.Requests - (int)requests) : null,
                limit.Tokens > 0 ? limit.Tokens : null, limit.Tokens > 0 ? (int)Math.Max(0, limit.Tokens - tokens) : null,
                resetsIn, null);
            if (tightest is null || Remaining(candidate) < Remaining(tightest))
            {
                tightest = candidate;
            }
        }

        if (exceeded is null)
        {
            return tightest!;
        }

        // Take the refused call back out, so refusals do not use up the window.
        await CountAsync(connection, limits, window, -1, -estimatedTokens, cancellationToken);
        return tightest! with { Admitted = false, ExceededBy = exceeded };
    }

    public async ValueTask CorrectAsync(Caller caller, RateAdmission admission, int actualTokens, CancellationToken cancellationToken)
    {
        var delta = actualTokens - admission.EstimatedTokens;
        var limits = LimitsFor(caller).Where(l => l.Tokens > 0).ToList();
        if (delta == 0 || limits.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancellationToken);
            await CountAsync(connection, limits, admission.Window, 0, delta, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            // The estimate stays counted: the caller is limited a little early, never late.
            LogCorrectionFailed(logger, ex);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _data.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                subject text NOT NULL,
                window_start timestamptz NOT NULL,
                requests bigint NOT NULL,
                tokens bigint NOT NULL,
                PRIMARY KEY (subject, window_start))
            """, connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        _pruning = Task.Run(() => PruneAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _pruning.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private List<SubjectLimit> LimitsFor(Caller caller)
    {
        var defaults = options.Value;
        var limits = new List<SubjectLimit>(2);
        if (caller.KeyId is { } keyId)
        {
            var (rpm, tpm) = keys.LimitsOf(keyId);
            var requests = rpm ?? defaults.Key.RequestsPerMinute;
            var tokens = tpm ?? defaults.Key.TokensPerMinute;
            if (requests > 0 || tokens > 0)
            {
                limits.Add(new SubjectLimit($"key:{keyId}", "this key's", requests, tokens));
            }
        }

        if (defaults.User.RequestsPerMinute > 0 || defaults.User.TokensPerMinute > 0)
        {
            limits.Add(new SubjectLimit($"user:{caller.UserId}", "your user's", defaults.User.RequestsPerMinute, defaults.User.TokensPerMinute));
        }

        return limits;
    }

    private static async Task<Dictionary<string, (long Requests, long Tokens)>> CountAsync(
        NpgsqlConnection connection, List<SubjectLimit> limits, DateTimeOffset window, int requests, long tokens, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} (subject, window_start, requests, tokens)
            SELECT s, @window, @requests, @tokens FROM unnest(@subjects) AS s
            ON CONFLICT (subject, window_start) DO UPDATE
                SET requests = {Table}.requests + excluded.requests, tokens = {Table}.tokens + excluded.tokens
            RETURNING subject, requests, tokens
            """, connection);
        command.Parameters.AddWithValue("window", window.UtcDateTime);
        command.Parameters.AddWithValue("requests", (long)requests);
        command.Parameters.AddWithValue("tokens", tokens);
        command.Parameters.AddWithValue("subjects", limits.Select(l => l.Subject).ToArray());
        var totals = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            totals[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return totals;
    }

    private async Task PruneAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), stopping);
                await using var connection = await _data.OpenConnectionAsync(stopping);
                await using var command = new NpgsqlCommand($"DELETE FROM {Table} WHERE window_start < @before", connection);
                command.Parameters.AddWithValue("before", time.GetUtcNow().AddMinutes(-2).UtcDateTime);
                await command.ExecuteNonQueryAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException ex)
            {
                LogPruneFailed(logger, ex);
            }
        }
    }

    private static long Remaining(RateAdmission admission) =>
        Math.Min(admission.RemainingRequests ?? long.MaxValue, admission.RemainingTokens is { } t ? t / 1_000 : long.MaxValue);

    private sealed record SubjectLimit(string Subject, string Name, int Requests, int Tokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Correcting a rate-limit token estimate failed; the estimate stays counted")]
    private static partial void LogCorrectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old rate-limit windows failed; retrying in a minute")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
