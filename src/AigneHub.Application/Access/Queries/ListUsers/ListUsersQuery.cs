namespace AigneHub.Application.Access.Queries.ListUsers;

public sealed record ListUsersQuery : IQuery<IReadOnlyList<UserView>>;
