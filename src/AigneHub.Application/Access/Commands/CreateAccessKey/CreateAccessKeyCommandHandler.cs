using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.CreateAccessKey;

internal sealed class CreateAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<CreateAccessKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(CreateAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var token = command.Token ?? AccessKeyToken.New();
        await using var session = store.LightweightSession();
        var owner = await AccessStreams.LoadUserAsync(session, command.UserId, cancellationToken);
        var active = await session.Query<AccessKey>().CountAsync(k => k.UserId == owner.Id && k.RevokedAt == null, cancellationToken);
        var asked = new NewAccessKey(
            token.KeyId, command.AppId, command.Name, command.Scopes, command.Models, [.. command.AllowedIps.Select(ip => IpRange.Parse(ip).Text)],
            command.ExpiresAt, new KeyLimits(command.RequestsPerMinute, command.TokensPerMinute), AccessKeyToken.Hash(token.Secret));
        var created = AccessRules.Run(() => AccessDecisions.CreateKey(owner, active, asked, Delegators.From(command.By, limits), time.GetUtcNow()));
        try
        {
            session.Events.StartStream<AccessKey>(token.KeyId, created);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            throw new ConflictException($"The access key '{token.KeyId}' already exists.");
        }

        await cache.InvalidateAsync(cancellationToken);
        var key = await AccessStreams.LoadKeyAsync(session, token.KeyId, cancellationToken);
        return new IssuedAccessKey(AccessKeyView.From(key, null), token.Text);
    }
}
