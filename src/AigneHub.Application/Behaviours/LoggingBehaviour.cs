using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AigneHub.Application.Behaviours;

/// <summary>
/// The outermost step of every message: logs its outcome and duration (never its contents: they hold prompts), and
/// turns any exception the hub did not expect into <see cref="InternalFaultException"/> after logging it with its stack
/// trace, so no edge ever shows a stack trace or an internal message. Cancellation passes through untouched. One step
/// rather than two nested ones: each message crosses one frame for both.
/// </summary>
internal sealed class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            MessageLog.Handled(logger, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception ex)
        {
            var fault = MessageLog.Failed(logger, typeof(TMessage).Name, ex, started, cancellationToken);
            if (fault is null)
            {
                throw;
            }

            throw fault;
        }
    }
}

internal sealed class StreamLoggingBehaviour<TMessage, TResponse>(ILogger<StreamLoggingBehaviour<TMessage, TResponse>> logger)
    : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var items = next(message, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var completed = false;
        try
        {
            while (true)
            {
                TResponse item;
                try
                {
                    if (!await items.MoveNextAsync())
                    {
                        break;
                    }

                    item = items.Current;
                }
                catch (Exception ex)
                {
                    var fault = MessageLog.Failed(logger, typeof(TMessage).Name, ex, started, cancellationToken);
                    if (fault is null)
                    {
                        throw;
                    }

                    throw fault;
                }

                yield return item;
            }

            completed = true;
        }
        finally
        {
            if (completed)
            {
                MessageLog.Handled(logger, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }
}

internal static partial class MessageLog
{
    /// <summary>
    /// Logs how a message failed; for a fault the hub did not expect (not a <see cref="HubException"/>, not the caller's
    /// cancellation) logs it with its stack trace and answers the <see cref="InternalFaultException"/> to throw instead.
    /// Null: rethrow the exception as it is.
    /// </summary>
    public static HubException? Failed(ILogger logger, string message, Exception exception, long started, CancellationToken cancellationToken)
    {
        var cancelled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
        HubException? fault = null;
        if (!cancelled && exception is not HubException)
        {
            if (UnstorableText.Matches(exception))
            {
                // Logged without the text (it comes from the request), so an operator can still tell it from a bug.
                RefusedUnstorable(logger, message);
                fault = UnstorableText.Refusal();
            }
            else
            {
                Unexpected(logger, exception, message);
                fault = new InternalFaultException(exception);
            }
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (fault ?? exception)
        {
            case OperationCanceledException when cancelled:
                Cancelled(logger, message, elapsedMs);
                break;
            case HubException hub:
                Refused(logger, message, hub.Kind.ToString(), elapsedMs);
                break;
        }

        return fault;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message} handled in {ElapsedMs:F1} ms")]
    public static partial void Handled(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} cancelled by the caller after {ElapsedMs:F1} ms")]
    private static partial void Cancelled(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} failed with {ErrorKind} after {ElapsedMs:F1} ms")]
    private static partial void Refused(ILogger logger, string message, string errorKind, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message} refused: PostgreSQL cannot store or compare a NUL character (U+0000) that the request carried")]
    private static partial void RefusedUnstorable(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message} failed unexpectedly")]
    private static partial void Unexpected(ILogger logger, Exception exception, string message);
}
