using AigneHub.Domain.Access.Events;
using Marten.Events.Aggregation;

namespace AigneHub.Infrastructure.Access;

/// <summary>The user stream's projection; the aggregate decides how each event changes it (see ProviderConfigProjection for why it is declared here).</summary>
public sealed partial class HubUserProjection : SingleStreamProjection<HubUser, string>
{
    public static HubUser Create(UserCreated e) => HubUser.Create(e);

    public void Apply(UserRoleChanged e, HubUser view) => view.Apply(e);

    public void Apply(UserDisabled e, HubUser view) => view.Apply(e);

    public void Apply(UserEnabled e, HubUser view) => view.Apply(e);

    public void Apply(AppRegistered e, HubUser view) => view.Apply(e);
}

/// <summary>The access key stream's projection.</summary>
public sealed partial class AccessKeyProjection : SingleStreamProjection<AccessKey, string>
{
    public static AccessKey Create(AccessKeyCreated e) => AccessKey.Create(e);

    public void Apply(AccessKeyRotated e, AccessKey view) => view.Apply(e);

    public void Apply(AccessKeyRevoked e, AccessKey view) => view.Apply(e);
}

/// <summary>The team stream's projection: members, their team roles and the team's keys.</summary>
public sealed partial class TeamProjection : SingleStreamProjection<Domain.Teams.Team, string>
{
    public static Domain.Teams.Team Create(Domain.Teams.TeamCreated e) => Domain.Teams.Team.Create(e);

    public void Apply(Domain.Teams.TeamMemberSet e, Domain.Teams.Team view) => view.Apply(e);

    public void Apply(Domain.Teams.TeamMemberRemoved e, Domain.Teams.Team view) => view.Apply(e);

    public void Apply(Domain.Teams.TeamKeyAdded e, Domain.Teams.Team view) => view.Apply(e);
}
