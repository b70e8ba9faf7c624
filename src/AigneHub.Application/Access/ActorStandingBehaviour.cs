namespace AigneHub.Application.Access;

/// <summary>
/// Refuses every audited command (each change of configuration, a credential, a user, a key, credits) asked by a
/// disabled user, reading the asker's user from the database rather than from the key cache: another instance may
/// still accept a just-disabled admin's key for up to one cache refresh, and in that window the admin must change
/// nothing (not even disable the owner who cut them off). The hub's own commands (no caller) pass. The generated
/// pipeline gives this step only to <see cref="IAuditedCommand"/>s; it runs inside the audit step, so a refusal is
/// recorded. One primary-key read per admin change; model calls never cross it.
/// </summary>
internal sealed class ActorStandingBehaviour<TMessage, TResponse>(ICallerContext callers, IDocumentStore store) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage, IAuditedCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (callers.Current is { } caller)
        {
            await using var session = store.QuerySession();
            if (await session.LoadAsync<HubUser>(caller.UserId, cancellationToken) is { IsDisabled: true })
            {
                throw new PermissionDeniedException("Your user is disabled on this hub; you cannot change anything.", "user_id");
            }
        }

        return await next(message, cancellationToken);
    }
}
