using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Teams.Commands.CreateTeam;
using AigneHub.Application.Teams.Commands.CreateTeamKey;
using AigneHub.Application.Teams.Commands.SetTeamMember;
using AigneHub.Application.Teams;
using AigneHub.Application.Teams.Queries.GetTeam;
using AigneHub.Application.Teams.Queries.ListTeams;
using AigneHub.Domain.Budgets;
using AigneHub.Domain.Teams;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Teams over gRPC and /api/admin/teams, /api/teams/{team_id}/…: map, send, map back. Any authenticated caller reaches
/// the team routes; who may do what to which team is the Domain's delegation rule (TeamDecisions).
/// </summary>
[HubAccess(null)]
internal sealed class TeamsService(IMediator mediator, ICallerContext callers) : V1.Teams.TeamsBase
{
    public override async Task<ListTeamsResponse> ListTeams(ListTeamsRequest request, ServerCallContext context)
    {
        var response = new ListTeamsResponse();
        response.Teams.AddRange((await mediator.Send(new ListTeamsQuery(callers.Require()), context.CancellationToken)).Select(ToMessage));
        return response;
    }

    [HubAccess(KeyScopes.AdminWrite, AdminRole = true)]
    public override async Task<V1.Team> CreateTeam(CreateTeamRequest request, ServerCallContext context) =>
        ToMessage(await mediator.Send(new CreateTeamCommand($"team_{Guid.NewGuid():N}"[..17], request.Name, callers.Require()), context.CancellationToken));

    public override async Task<V1.Team> GetTeam(GetTeamRequest request, ServerCallContext context) =>
        ToMessage(await mediator.Send(new GetTeamQuery(request.TeamId, callers.Require()), context.CancellationToken));

    public override async Task<V1.Team> SetTeamMember(SetTeamMemberRequest request, ServerCallContext context)
    {
        var role = request.Role switch
        {
            "" or "member" => TeamRole.Member,
            "admin" => TeamRole.Admin,
            _ => throw BillingMessages.Invalid("role", "role must be member or admin"),
        };
        return ToMessage(await mediator.Send(new SetTeamMemberCommand(request.TeamId, request.UserId, role, request.Remove, callers.Require()), context.CancellationToken));
    }

    public override async Task<CreateAccessKeyResponse> CreateTeamKey(CreateTeamKeyRequest request, ServerCallContext context)
    {
        var command = new CreateTeamKeyCommand(request.TeamId, request.UserId, request.Name, [.. request.Scopes], [.. request.Models], callers.Require());
        var issued = await mediator.Send(command, context.CancellationToken);
        return new() { Key = AccessMapping.ToMessage(issued.Key), Secret = issued.Secret };
    }

    public override async Task<V1.BudgetStatus> SetTeamBudget(SetTeamBudgetRequest request, ServerCallContext context)
    {
        var command = BudgetsService.ToCommand(request.Budget ?? new SetBudgetRequest(), BudgetScope.Team, request.TeamId, callers.Require());
        return BudgetsService.ToMessage(await mediator.Send(command, context.CancellationToken));
    }

    private static V1.Team ToMessage(TeamView team)
    {
        var message = new V1.Team { Id = team.Id, Name = team.Name, Version = team.Version };
        message.Members.AddRange(team.Members.Select(m => new V1.TeamMember { UserId = m.UserId, Role = m.Role == TeamRole.Admin ? "admin" : "member" }));
        message.KeyIds.AddRange(team.KeyIds);
        return message;
    }
}
