using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Access.Commands.ChangeUserRole;
using AigneHub.Application.Access.Commands.CreateAccessKey;
using AigneHub.Application.Access.Commands.CreateUser;
using AigneHub.Application.Access.Commands.DisableUser;
using AigneHub.Application.Access.Commands.EnableUser;
using AigneHub.Application.Access.Commands.RegisterApp;
using AigneHub.Application.Access.Commands.RevokeAccessKey;
using AigneHub.Application.Access.Commands.RotateAccessKey;
using AigneHub.Application.Access.Queries.ListAccessKeys;
using AigneHub.Application.Access.Queries.ListUsers;

namespace AigneHub.Api.Grpc;

/// <summary>Users and access keys over gRPC and /api/admin/users, /api/admin/keys: map, send, map back.</summary>
[HubAccess(KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class AccessAdminService(IMediator mediator, ICallerContext callers) : AccessAdmin.AccessAdminBase
{
    [HubAccess(KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<ListUsersResponse> ListUsers(ListUsersRequest request, ServerCallContext context)
    {
        var response = new ListUsersResponse();
        response.Users.AddRange((await mediator.Send(new ListUsersQuery(), context.CancellationToken)).Select(AccessMapping.ToMessage));
        return response;
    }

    public override async Task<CreateUserResponse> CreateUser(CreateUserRequest request, ServerCallContext context)
    {
        var caller = callers.Require();
        var command = new CreateUserCommand(
            request.HasUserId ? request.UserId : null, request.DisplayName, request.HasEmail ? request.Email : null,
            AccessMapping.Role(request.Role, UserRole.Member), null, caller.Actor, caller.Role);
        return new() { User = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<ChangeUserRoleResponse> ChangeUserRole(ChangeUserRoleRequest request, ServerCallContext context)
    {
        var command = new ChangeUserRoleCommand(request.UserId, request.ExpectedVersion, AccessMapping.Role(request.Role), callers.Require());
        return new() { User = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<DisableUserResponse> DisableUser(DisableUserRequest request, ServerCallContext context)
    {
        var command = new DisableUserCommand(request.UserId, request.ExpectedVersion, request.HasReason ? request.Reason : null, callers.Require());
        return new() { User = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<EnableUserResponse> EnableUser(EnableUserRequest request, ServerCallContext context)
    {
        var command = new EnableUserCommand(request.UserId, request.ExpectedVersion, callers.Require());
        return new() { User = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<RegisterAppResponse> RegisterApp(RegisterAppRequest request, ServerCallContext context)
    {
        var command = new RegisterAppCommand(request.UserId, request.ExpectedVersion, request.AppId, request.Name, callers.Require());
        return new() { User = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    [HubAccess(KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<ListAccessKeysResponse> ListAccessKeys(ListAccessKeysRequest request, ServerCallContext context)
    {
        var response = new ListAccessKeysResponse();
        var keys = await mediator.Send(new ListAccessKeysQuery(request.HasUserId ? request.UserId : null), context.CancellationToken);
        response.Keys.AddRange(keys.Select(AccessMapping.ToMessage));
        return response;
    }

    public override async Task<CreateAccessKeyResponse> CreateAccessKey(CreateAccessKeyRequest request, ServerCallContext context)
    {
        var command = new CreateAccessKeyCommand(
            request.UserId, request.HasAppId ? request.AppId : null, request.Name, [.. request.Scopes], [.. request.Models], [.. request.AllowedIps],
            AccessMapping.FromTimestamp(request.ExpiresAt), callers.Require(), null,
            request.HasRequestsPerMinute ? request.RequestsPerMinute : null, request.HasTokensPerMinute ? request.TokensPerMinute : null);
        var issued = await mediator.Send(command, context.CancellationToken);
        return new() { Key = AccessMapping.ToMessage(issued.Key), Secret = issued.Secret };
    }

    public override async Task<RotateAccessKeyResponse> RotateAccessKey(RotateAccessKeyRequest request, ServerCallContext context)
    {
        var issued = await mediator.Send(new RotateAccessKeyCommand(request.KeyId, request.ExpectedVersion, null, callers.Require()), context.CancellationToken);
        return new() { Key = AccessMapping.ToMessage(issued.Key), Secret = issued.Secret };
    }

    public override async Task<RevokeAccessKeyResponse> RevokeAccessKey(RevokeAccessKeyRequest request, ServerCallContext context)
    {
        var command = new RevokeAccessKeyCommand(request.KeyId, request.ExpectedVersion, request.HasReason ? request.Reason : null, null, callers.Require());
        return new() { Key = AccessMapping.ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }
}
