namespace AigneHub.Application.Audit;

/// <summary>
/// Records every audited command (the generated pipeline gives this step only to <see cref="IAuditedCommand"/>s: other
/// messages never cross it), succeeded or failed, with its target's state before and after. Runs outside
/// validation, so rejected attempts are recorded too (with the reason the caller was given).
/// </summary>
internal sealed class AuditBehaviour<TMessage, TResponse>(AuditSnapshots snapshots, IAuditTrail trail) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage, IAuditedCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        IAuditedCommand audited = message;
        var kind = typeof(TMessage).Name.EndsWith("Command", StringComparison.Ordinal) ? typeof(TMessage).Name[..^"Command".Length] : typeof(TMessage).Name;
        var target = Target(audited, default);
        var before = await snapshots.TakeAsync(target, cancellationToken);
        TResponse response;
        try
        {
            response = await next(message, cancellationToken);
        }
        catch (HubException ex) when (ex is not InternalFaultException)
        {
            await trail.RecordAsync(kind, target, before, null, $"failed: {ex.Message}", CancellationToken.None);
            throw;
        }

        target = Target(audited, response);
        var after = await snapshots.TakeAsync(target, CancellationToken.None);
        await trail.RecordAsync(kind, target, before, after, "succeeded", CancellationToken.None);
        return response;
    }

    /// <summary>A created key or user is only named once it exists: take its id from the answer.</summary>
    private static string Target(IAuditedCommand command, TResponse? response) => response switch
    {
        Access.IssuedAccessKey issued => $"key:{issued.Key.KeyId}",
        Access.UserView user => $"user:{user.Id}",
        _ => command.AuditTarget,
    };
}
