using JasperFx;
using Marten.Services;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// Marten's log, in place of its default one, which writes every failed statement at Error with its SQL, its parameter
/// values and the Npgsql stack trace. Here a failure that is an ordinary outcome — a concurrent writer or a stale
/// version (which the hub answers with 409), a duplicate stream (409), a caller that went away (its query cancelled) —
/// is one Debug line without SQL or stack trace: the request's own log line says what the caller got. Any other
/// failure stays an Error with its SQL and exception, but never with parameter values, which hold stored data.
/// </summary>
internal sealed partial class HubMartenLogger(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    /// <summary>Marten's own category, so the "Marten" log level in configuration applies.</summary>
    public const string Category = "Marten.IDocumentStore";

    /// <summary>The SQL state Marten's event append raises when a stream is not at the version the writer expected.</summary>
    private const string StreamVersionMismatch = "MT003";

    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => LogSchemaChange(logger, sql);

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    public void LogSuccess(NpgsqlCommand command)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogExecuted(logger, command.CommandText);
        }
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogExecuted(logger, Sql(batch));
        }
    }

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failed(command.CommandText, ex);

    public void LogFailure(NpgsqlBatch batch, Exception ex) => Failed(Sql(batch), ex);

    public void LogFailure(Exception ex, string message)
    {
        if (OrdinaryOutcome(ex) is { } outcome)
        {
            LogOrdinaryFailure(logger, outcome);
            return;
        }

        LogFailureMessage(logger, ex, message);
    }

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    private static string Sql(NpgsqlBatch batch) => string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText));

    /// <summary>
    /// What an ordinary, expected failure is, in a few words; null for a fault. Cancellation counts only when the
    /// caller's token ended the query (Npgsql then throws <see cref="OperationCanceledException"/>): a statement
    /// timeout is a <see cref="PostgresException"/> of its own, and a fault.
    /// </summary>
    internal static string? OrdinaryOutcome(Exception exception) => exception switch
    {
        OperationCanceledException => "cancelled by the caller",
        ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException => "a concurrent or stale write",
        PostgresException { SqlState: StreamVersionMismatch } => "a concurrent or stale write (stream version mismatch)",
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => "a concurrent or duplicate write (unique violation)",
        _ => null,
    };

    private void Failed(string sql, Exception exception)
    {
        if (OrdinaryOutcome(exception) is { } outcome)
        {
            LogOrdinaryFailure(logger, outcome);
            return;
        }

        LogStatementFailed(logger, exception, sql);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Marten changed the database schema:\n{Sql}")]
    private static partial void LogSchemaChange(ILogger logger, string sql);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Marten executed:\n{Sql}")]
    private static partial void LogExecuted(ILogger logger, string sql);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A Marten statement did not complete: {Outcome}")]
    private static partial void LogOrdinaryFailure(ILogger logger, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Marten failed executing:\n{Sql}")]
    private static partial void LogStatementFailed(ILogger logger, Exception exception, string sql);

    [LoggerMessage(Level = LogLevel.Error, Message = "Marten failed: {FailureMessage}")]
    private static partial void LogFailureMessage(ILogger logger, Exception exception, string failureMessage);
}
