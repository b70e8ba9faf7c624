namespace AigneHub.Application.Access.Queries.GetUser;

internal sealed class GetUserQueryHandler(IDocumentStore store) : IQueryHandler<GetUserQuery, UserView?>
{
    public async ValueTask<UserView?> Handle(GetUserQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var user = await session.LoadAsync<HubUser>(query.UserId, cancellationToken);
        return user is null ? null : UserView.From(user);
    }
}
