using AigneHub.Application.Abstractions;
using AigneHub.Application.Providers.Common;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Secrets;
using Marten;
using Mediator;

namespace AigneHub.Application.Providers.Commands.AddCredential;

internal sealed class AddCredentialCommandHandler(IDocumentStore store, ISecretProtector protector, TimeProvider time)
    : ICommandHandler<AddCredentialCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(AddCredentialCommand command, CancellationToken cancellationToken)
    {
        var credentialId = Guid.CreateVersion7();
        var (kind, secret, shown) = command.ApiKey is { } apiKey
            ? (CredentialKind.ApiKey, apiKey, apiKey)
            : (CredentialKind.AccessKeyPair, command.SecretAccessKey!, command.SecretAccessKey!);
        var encrypted = protector.Protect(secret, SecretPurposes.ProviderCredential(credentialId));
        var masked = SecretMask.Mask(shown);

        return await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current =>
            [DomainRules.Run(() => ProviderDecisions.AddCredential(
                current, credentialId, command.Name, kind, command.Weight, encrypted, masked, command.AccessKeyId, command.Actor, time.GetUtcNow()))],
            cancellationToken);
    }
}
