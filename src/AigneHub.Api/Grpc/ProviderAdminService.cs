using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Providers.Commands.AddCredential;
using AigneHub.Application.Providers.Commands.ChangeCredentialWeight;
using AigneHub.Application.Providers.Commands.RegisterProvider;
using AigneHub.Application.Providers.Commands.RemoveCredential;
using AigneHub.Application.Providers.Commands.SetCredentialEnabled;
using AigneHub.Application.Providers.Commands.SetProviderEnabled;
using AigneHub.Application.Providers.Commands.TestCredential;
using AigneHub.Application.Providers.Commands.UpdateProvider;
using AigneHub.Application.Providers;
using AigneHub.Application.Providers.Queries.GetProvider;
using AigneHub.Application.Providers.Queries.ListProviders;
using AigneHub.Domain.Providers;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.Api.Grpc;

/// <summary>Provider administration over gRPC and /api/admin/providers: map, send, map back.</summary>
[HubAccess(KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class ProviderAdminService(IMediator mediator, ICallerContext callers) : ProviderAdmin.ProviderAdminBase
{
    [HubAccess(KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<ListProvidersResponse> ListProviders(ListProvidersRequest request, ServerCallContext context)
    {
        var providers = await mediator.Send(new ListProvidersQuery(), context.CancellationToken);
        var response = new ListProvidersResponse();
        response.Providers.AddRange(providers.Select(ToMessage));
        return response;
    }

    [HubAccess(KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<GetProviderResponse> GetProvider(GetProviderRequest request, ServerCallContext context) =>
        new() { Provider = ToMessage(await mediator.Send(new GetProviderQuery(request.Provider), context.CancellationToken)) };

    public override async Task<RegisterProviderResponse> RegisterProvider(RegisterProviderRequest request, ServerCallContext context)
    {
        var command = new RegisterProviderCommand(
            request.Provider,
            request.HasDisplayName ? request.DisplayName : null,
            request.HasBaseUrl ? request.BaseUrl : null,
            request.HasRegion ? request.Region : null,
            Actor());
        return new() { Provider = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<UpdateProviderResponse> UpdateProvider(UpdateProviderRequest request, ServerCallContext context)
    {
        var by = callers.Require();
        var command = new UpdateProviderCommand(
            request.Provider, request.ExpectedVersion, request.HasBaseUrl ? request.BaseUrl : null, request.HasRegion ? request.Region : null, by.Actor, by);
        return new() { Provider = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<EnableProviderResponse> EnableProvider(EnableProviderRequest request, ServerCallContext context) =>
        new() { Provider = await SetProviderEnabled(request.Provider, request.ExpectedVersion, true, null, context) };

    public override async Task<DisableProviderResponse> DisableProvider(DisableProviderRequest request, ServerCallContext context) =>
        new() { Provider = await SetProviderEnabled(request.Provider, request.ExpectedVersion, false, request.HasReason ? request.Reason : null, context) };

    public override async Task<AddCredentialResponse> AddCredential(AddCredentialRequest request, ServerCallContext context)
    {
        var command = new AddCredentialCommand(
            request.Provider,
            request.ExpectedVersion,
            request.Name,
            request.HasWeight ? request.Weight : 1,
            request.HasApiKey ? request.ApiKey : null,
            request.HasAccessKeyId ? request.AccessKeyId : null,
            request.HasSecretAccessKey ? request.SecretAccessKey : null,
            Actor());
        return new() { Provider = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<UpdateCredentialWeightResponse> UpdateCredentialWeight(UpdateCredentialWeightRequest request, ServerCallContext context)
    {
        var command = new ChangeCredentialWeightCommand(request.Provider, request.ExpectedVersion, CredentialId(request.CredentialId), request.Weight, Actor());
        return new() { Provider = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<EnableCredentialResponse> EnableCredential(EnableCredentialRequest request, ServerCallContext context) =>
        new() { Provider = await SetCredentialEnabled(request.Provider, request.ExpectedVersion, request.CredentialId, true, null, context) };

    public override async Task<DisableCredentialResponse> DisableCredential(DisableCredentialRequest request, ServerCallContext context) =>
        new() { Provider = await SetCredentialEnabled(request.Provider, request.ExpectedVersion, request.CredentialId, false, request.HasReason ? request.Reason : null, context) };

    public override async Task<RemoveCredentialResponse> RemoveCredential(RemoveCredentialRequest request, ServerCallContext context)
    {
        var command = new RemoveCredentialCommand(request.Provider, request.ExpectedVersion, CredentialId(request.CredentialId), Actor());
        return new() { Provider = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    public override async Task<TestCredentialResponse> TestCredential(TestCredentialRequest request, ServerCallContext context) =>
        new() { Provider = ToMessage(await mediator.Send(new TestCredentialCommand(request.Provider, CredentialId(request.CredentialId), Actor()), context.CancellationToken)) };

    private async Task<V1.Provider> SetProviderEnabled(string provider, int expectedVersion, bool enabled, string? reason, ServerCallContext context) =>
        ToMessage(await mediator.Send(new SetProviderEnabledCommand(provider, expectedVersion, enabled, reason, Actor()), context.CancellationToken));

    private async Task<V1.Provider> SetCredentialEnabled(string provider, int expectedVersion, string credentialId, bool enabled, string? reason, ServerCallContext context) =>
        ToMessage(await mediator.Send(
            new SetCredentialEnabledCommand(provider, expectedVersion, CredentialId(credentialId), enabled, reason, null, Actor()),
            context.CancellationToken));

    /// <summary>Who made a change, as recorded on its event: the authenticated user (and key).</summary>
    private string Actor() => callers.Require().Actor;

    private static Guid CredentialId(string value) =>
        Guid.TryParse(value, out var id)
            ? id
            : throw new RequestValidationException([new FieldViolation("credential_id", "credential_id must be a credential's id (a UUID)")]);

    private static V1.Provider ToMessage(ProviderView view) => ContractMapping.Map<V1.Provider>(view);
}
