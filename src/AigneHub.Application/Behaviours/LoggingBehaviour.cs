using System.Diagnostics;

namespace AigneHub.Application.Behaviours;

/// <summary>
/// Logs each message's outcome and duration. Never logs message contents: they hold prompts. Unexpected faults are
/// logged (with their exception) by <see cref="UnhandledExceptionBehaviour{TMessage,TResponse}"/>, which runs inside this one.
/// </summary>
internal sealed partial class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger)
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
            MessageLog.Failed(logger, typeof(TMessage).Name, ex, Stopwatch.GetElapsedTime(started).TotalMilliseconds, cancellationToken);
            throw;
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
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
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
                    MessageLog.Failed(logger, typeof(TMessage).Name, ex, Stopwatch.GetElapsedTime(started).TotalMilliseconds, cancellationToken);
                    throw;
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
    public static void Failed(ILogger logger, string message, Exception exception, double elapsedMs, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                Cancelled(logger, message, elapsedMs);
                break;
            case HubException hub:
                Refused(logger, message, hub.Kind.ToString(), elapsedMs);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message} handled in {ElapsedMs:F1} ms")]
    public static partial void Handled(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} cancelled by the caller after {ElapsedMs:F1} ms")]
    private static partial void Cancelled(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} failed with {ErrorKind} after {ElapsedMs:F1} ms")]
    private static partial void Refused(ILogger logger, string message, string errorKind, double elapsedMs);
}
