using System.Collections.Concurrent;
using AigneHub.Infrastructure.Persistence;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AigneHub.UnitTests.Infrastructure.Persistence;

/// <summary>
/// Marten's failed statements: an ordinary outcome (a stale or racing write, a caller who left) is one Debug line
/// without SQL; anything else, such as a statement timeout, an Error with its SQL but never its parameter values.
/// </summary>
public sealed class HubMartenLoggerTests
{
    private const string Sql = "select * from aignehub.mt_streams where id = $1 for update";

    public static TheoryData<string, Exception> OrdinaryFailures() => new()
    {
        { "the caller went away", new OperationCanceledException("Query was cancelled", new PostgresException("canceling statement due to user request", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled)) },
        { "a stale version", new PostgresException("Stream version mismatch on 'openai': expected 1, actual 2", "ERROR", "ERROR", "MT003") },
        { "a duplicate stream", new PostgresException("duplicate key value violates unique constraint \"pkey_mt_streams_id\"", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation) },
        { "Marten's concurrency exception", new JasperFx.ConcurrencyException(typeof(object), "openai") },
    };

    [Theory]
    [MemberData(nameof(OrdinaryFailures))]
    public void An_ordinary_failure_is_one_debug_line_without_sql_or_exception(string name, Exception failure)
    {
        var logs = new ListLogger();
        using var command = Command();

        new HubMartenLogger(logs).LogFailure(command, failure);

        var entry = Assert.Single(logs.Entries);
        Assert.True(entry.Level == LogLevel.Debug, name);
        Assert.Null(entry.Exception);
        Assert.DoesNotContain("mt_streams", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_statement_timeout_is_an_error_with_its_sql_and_without_its_parameter_values()
    {
        var logs = new ListLogger();
        using var command = Command();

        new HubMartenLogger(logs).LogFailure(command, new PostgresException("canceling statement due to statement timeout", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled));

        var entry = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.NotNull(entry.Exception);
        Assert.Contains("mt_streams", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("account:secret-user", entry.Message, StringComparison.Ordinal);
    }

    private static NpgsqlCommand Command()
    {
        var command = new NpgsqlCommand(Sql);
        command.Parameters.AddWithValue("account:secret-user");
        return command;
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
