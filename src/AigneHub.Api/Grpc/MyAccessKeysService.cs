using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Access.Commands.CreateAccessKey;
using AigneHub.Application.Access.Commands.RevokeAccessKey;
using AigneHub.Application.Access.Commands.RotateAccessKey;
using AigneHub.Application.Access.Queries.ListAccessKeys;

namespace AigneHub.Api.Grpc;

/// <summary>The caller's own keys, over gRPC and /api/user/keys: every command is limited to the caller's user.</summary>
[HubAccess(null)]
internal sealed class MyAccessKeysService(IMediator mediator, ICallerContext callers) : MyAccessKeys.MyAccessKeysBase
{
    public override async Task<ListMyKeysResponse> ListMyKeys(ListMyKeysRequest request, ServerCallContext context)
    {
        var response = new ListMyKeysResponse();
        response.Keys.AddRange((await mediator.Send(new ListAccessKeysQuery(callers.Require().UserId), context.CancellationToken)).Select(AccessMapping.ToMessage));
        return response;
    }

    public override async Task<CreateMyKeyResponse> CreateMyKey(CreateMyKeyRequest request, ServerCallContext context)
    {
        var caller = callers.Require();
        IReadOnlyList<string> scopes = request.Scopes.Count == 0 ? [KeyScopes.Inference] : [.. request.Scopes];
        var command = new CreateAccessKeyCommand(
            caller.UserId, request.HasAppId ? request.AppId : null, request.Name, scopes, [.. request.Models], [.. request.AllowedIps],
            AccessMapping.FromTimestamp(request.ExpiresAt), caller);
        var issued = await mediator.Send(command, context.CancellationToken);
        return new() { Key = AccessMapping.ToMessage(issued.Key), Secret = issued.Secret };
    }

    public override async Task<RotateMyKeyResponse> RotateMyKey(RotateMyKeyRequest request, ServerCallContext context)
    {
        var caller = callers.Require();
        var issued = await mediator.Send(new RotateAccessKeyCommand(request.KeyId, request.ExpectedVersion, caller.UserId, caller), context.CancellationToken);
        return new() { Key = AccessMapping.ToMessage(issued.Key), Secret = issued.Secret };
    }

    public override async Task<RevokeMyKeyResponse> RevokeMyKey(RevokeMyKeyRequest request, ServerCallContext context)
    {
        var caller = callers.Require();
        var command = new RevokeAccessKeyCommand(request.KeyId, request.ExpectedVersion, request.HasReason ? request.Reason : null, caller.UserId, caller);
        return new() { Key = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }
}
