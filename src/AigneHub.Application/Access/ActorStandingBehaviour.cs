namespace AigneHub.Application.Access;

/// <summary>
/// Refuses every audited command (each change of configuration, a credential, a user, a key, credits, rates, the
/// billing settings) asked by a disabled user, or by a user whose role is now lower than the one their credential
/// carries, reading the asker's user from the database rather than from the key cache: another instance may still
/// accept a just-disabled admin's key, or give a just-demoted admin's key its admin role, for up to one cache refresh,
/// and in that window the admin must change nothing (not even disable the owner who cut them off). The hub's own
/// commands (no caller) pass. The generated pipeline gives this step only to <see cref="IAuditedCommand"/>s; it runs
/// inside the audit step, so a refusal is recorded. One primary-key read per admin change; model calls never cross it.
/// </summary>
internal sealed class ActorStandingBehaviour<TMessage, TResponse>(ICallerContext callers, IDocumentStore store) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage, IAuditedCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (callers.Current is { } caller)
        {
            await using var session = store.QuerySession();
            var asker = await session.LoadAsync<HubUser>(caller.UserId, cancellationToken);
            if (asker is { IsDisabled: true })
            {
                throw new PermissionDeniedException("Your user is disabled on this hub; you cannot change anything.", "user_id");
            }

            if (asker is not null && asker.Role < caller.Role)
            {
                throw new PermissionDeniedException(
                    $"Your role on this hub is now {asker.Role.ToString().ToLowerInvariant()}, not {caller.Role.ToString().ToLowerInvariant()}; try again in a moment.", "role");
            }
        }

        return await next(message, cancellationToken);
    }
}
