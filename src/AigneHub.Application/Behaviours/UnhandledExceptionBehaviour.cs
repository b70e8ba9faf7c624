using System.Runtime.CompilerServices;

namespace AigneHub.Application.Behaviours;

/// <summary>
/// Translates any exception the hub did not expect into <see cref="InternalFaultException"/> after logging it with its
/// stack trace, so no edge ever shows a stack trace or an internal message. Cancellation passes through untouched.
/// </summary>
internal sealed class UnhandledExceptionBehaviour<TMessage, TResponse>(ILogger<UnhandledExceptionBehaviour<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        try
        {
            return await next(message, cancellationToken);
        }
        catch (Exception ex) when (UnhandledFaults.IsUnexpected(ex, cancellationToken))
        {
            UnhandledFaults.Log(logger, ex, typeof(TMessage).Name);
            throw new InternalFaultException(ex);
        }
    }
}

internal sealed class StreamUnhandledExceptionBehaviour<TMessage, TResponse>(ILogger<StreamUnhandledExceptionBehaviour<TMessage, TResponse>> logger)
    : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var items = next(message, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            TResponse item;
            try
            {
                if (!await items.MoveNextAsync())
                {
                    yield break;
                }

                item = items.Current;
            }
            catch (Exception ex) when (UnhandledFaults.IsUnexpected(ex, cancellationToken))
            {
                UnhandledFaults.Log(logger, ex, typeof(TMessage).Name);
                throw new InternalFaultException(ex);
            }

            yield return item;
        }
    }
}

internal static partial class UnhandledFaults
{
    public static bool IsUnexpected(Exception exception, CancellationToken cancellationToken) =>
        exception is not HubException
        && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message} failed unexpectedly")]
    public static partial void Log(ILogger logger, Exception exception, string message);
}
