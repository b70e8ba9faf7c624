using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Providers.Commands.RotateSecrets;

namespace AigneHub.Api.Grpc;

/// <summary>Key-ring administration over gRPC and /api/admin/secrets: map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class SecretsAdminService(IMediator mediator) : SecretsAdmin.SecretsAdminBase
{
    public override async Task<RotateSecretsResponse> RotateSecrets(RotateSecretsRequest request, ServerCallContext context)
    {
        var result = await mediator.Send(new RotateSecretsCommand(request.DryRun, Actor(context)), context.CancellationToken);
        var response = new RotateSecretsResponse
        {
            Examined = result.Examined,
            ReEncrypted = result.ReEncrypted,
            AlreadyCurrent = result.AlreadyCurrent,
            Failed = result.Failed,
            DryRun = result.DryRun,
            ActiveKeyId = result.ActiveKeyId,
        };
        response.Failures.AddRange(result.Failures.Select(f => new V1.RotationFailure
        {
            Provider = f.Provider,
            CredentialId = f.CredentialId.ToString(),
            KeyId = f.KeyId,
        }));
        return response;
    }

    /// <summary>Who asked, for the log. Until callers authenticate, that is the caller's address (as for provider changes).</summary>
    private static string Actor(ServerCallContext context) =>
        "anonymous@" + (context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
