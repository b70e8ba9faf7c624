namespace AigneHub.Infrastructure.Access;

/// <summary>
/// The shared table of the rate limiter (<see cref="PostgresRateLimiter"/>): requests and tokens counted per subject
/// ("key:…", "user:…") and one-minute window, added to atomically by every instance.
/// </summary>
internal static class RateWindowTable
{
    private const string Table = HubMartenConfiguration.Schema + ".rate_windows";

    public static async Task CreateAsync(NpgsqlDataSource data, CancellationToken cancellationToken)
    {
        await using var connection = await data.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                subject text NOT NULL,
                window_start timestamptz NOT NULL,
                requests bigint NOT NULL,
                tokens bigint NOT NULL,
                PRIMARY KEY (subject, window_start))
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds each subject's amounts to its window and returns the new totals, in one statement.</summary>
    public static async Task<Dictionary<string, (long Requests, long Tokens)>> AddAsync(
        NpgsqlConnection connection, DateTimeOffset window, List<(string Subject, long Requests, long Tokens)> amounts, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} (subject, window_start, requests, tokens)
            SELECT s, @window, r, t FROM unnest(@subjects, @requests, @tokens) AS a(s, r, t)
            ON CONFLICT (subject, window_start) DO UPDATE
                SET requests = {Table}.requests + excluded.requests, tokens = {Table}.tokens + excluded.tokens
            RETURNING subject, requests, tokens
            """, connection);
        command.Parameters.AddWithValue("window", window.UtcDateTime);
        command.Parameters.AddWithValue("subjects", amounts.Select(a => a.Subject).ToArray());
        command.Parameters.AddWithValue("requests", amounts.Select(a => a.Requests).ToArray());
        command.Parameters.AddWithValue("tokens", amounts.Select(a => a.Tokens).ToArray());
        var totals = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            totals[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return totals;
    }

    /// <summary>Deletes the windows that started before <paramref name="before"/>.</summary>
    public static async Task DeleteBeforeAsync(NpgsqlDataSource data, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await data.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DELETE FROM {Table} WHERE window_start < @before", connection);
        command.Parameters.AddWithValue("before", before.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
