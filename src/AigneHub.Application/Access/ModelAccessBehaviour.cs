using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using Mediator;

namespace AigneHub.Application.Access;

/// <summary>
/// Refuses a model call outside the caller's model allow-list (403 naming the model) before any provider is chosen,
/// so nothing is routed, held or recorded for it.
/// </summary>
internal sealed class ModelAccessBehaviour<TMessage, TResponse>(ICallerContext callers) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        ModelAccess.Check(message, callers.Current);
        return next(message, cancellationToken);
    }
}

/// <summary>The streaming counterpart: refuses before the stream opens.</summary>
internal sealed class StreamModelAccessBehaviour<TMessage, TResponse>(ICallerContext callers) : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ModelAccess.Check(message, callers.Current);
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }
}

internal static class ModelAccess
{
    public static void Check(object message, Caller? caller)
    {
        if (message is IChatRequest call && caller?.Models is { Count: > 0 } allowList && !ModelPattern.Allows(allowList, call.Model))
        {
            throw new PermissionDeniedException(
                $"This access key may not use the model '{call.Model}'. It may use: {string.Join(", ", allowList)}.", "model");
        }
    }
}
