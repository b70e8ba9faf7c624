namespace AigneHub.Application.Access.Queries.ListUsers;

internal sealed class ListUsersQueryHandler(IDocumentStore store) : IQueryHandler<ListUsersQuery, IReadOnlyList<UserView>>
{
    public async ValueTask<IReadOnlyList<UserView>> Handle(ListUsersQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var users = await session.Query<HubUser>().OrderBy(u => u.CreatedAt).ToListAsync(cancellationToken);
        return [.. users.Select(UserView.From)];
    }
}
