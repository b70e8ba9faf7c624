using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Access.Queries.GetUserInfo;
using AigneHub.Application.Models.Queries.ListModelCatalogue;
using AigneHub.Application.Providers.Queries.GetHubStatus;
using Microsoft.AspNetCore.Authorization;
using static AigneHub.Api.Grpc.BillingMessages;

namespace AigneHub.Api.Grpc;

/// <summary>
/// The AIGNE-native reads over gRPC (and, transcoded, /api/hub/status, /api/hub/user, /api/hub/models): map, send,
/// map back. Access as their REST twins: any authenticated caller for the status and the user info, nobody for the
/// model catalogue.
/// </summary>
[Identity.HubAccess(null)]
internal sealed class HubService(IMediator mediator) : V1.Hub.HubBase
{
    public override async Task<GetHubStatusResponse> GetHubStatus(GetHubStatusRequest request, ServerCallContext context)
    {
        var status = await mediator.Send(new GetHubStatusQuery(request.HasModel ? request.Model : null), context.CancellationToken);
        var response = new GetHubStatusResponse { Available = status.Available };
        if (status.Error is not null)
        {
            response.Error = status.Error;
        }

        return response;
    }

    public override async Task<GetUserInfoResponse> GetUserInfo(GetUserInfoRequest request, ServerCallContext context)
    {
        var info = await mediator.Send(new GetUserInfoQuery(), context.CancellationToken);
        var response = new GetUserInfoResponse
        {
            User = new HubUserProfile { Did = info.UserId, FullName = info.FullName, Role = AccessMapping.RoleName(info.Role) },
            EnableCredit = info.CreditsEnabled,
        };
        if (info.Email is not null)
        {
            response.User.Email = info.Email;
        }

        if (info.Credits is { } credits)
        {
            response.CreditBalance = new UserCreditBalance { Balance = Text(credits.Available), Total = Text(credits.TotalGranted), PendingCredit = Text(credits.Held) };
        }

        if (info.PaymentLink is not null)
        {
            response.PaymentLink = info.PaymentLink;
        }

        if (info.CurrencyPrefix is not null)
        {
            response.CreditPrefix = info.CurrencyPrefix;
        }

        return response;
    }

    // Public like the hosted hub's catalogue: the AIGNE client's models() sends no key.
    [AllowAnonymous]
    public override async Task<ListModelCatalogueResponse> ListModelCatalogue(ListModelCatalogueRequest request, ServerCallContext context)
    {
        var entries = await mediator.Send(new ListModelCatalogueQuery(request.HasType ? request.Type : null), context.CancellationToken);
        var response = new ListModelCatalogueResponse();
        response.Models.AddRange(entries.Select(e => new CatalogueModel
        {
            Model = e.Model,
            Type = ListModelCatalogueQuery.TypeOf(e.Kind),
            Provider = e.Provider,
            ProviderDisplayName = e.ProviderDisplayName,
            InputCreditsPerToken = Text(e.InputRate),
            OutputCreditsPerToken = Text(e.OutputRate),
            Status = new CatalogueModelStatus { Available = e.Available },
        }));
        return response;
    }
}
