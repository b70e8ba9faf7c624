using AigneHub.Application.Audit;

namespace AigneHub.Application.Teams.Commands.CreateTeamKey;

/// <summary>
/// Issues an access key as the team's, to one of its members, by a hub admin or the team's admin; like every key it
/// never gives more than the issuing credential holds. The answer holds the key's text, shown only once.
/// </summary>
public sealed record CreateTeamKeyCommand(string TeamId, string UserId, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> Models, Caller By)
    : ICommand<IssuedAccessKey>, IAuditedCommand
{
    public string AuditTarget => $"team:{TeamId}";
}
