namespace AigneHub.Application.Access.Queries.GetUser;

/// <summary>One user, or null when no user has that id.</summary>
public sealed record GetUserQuery(string UserId) : IQuery<UserView?>;
