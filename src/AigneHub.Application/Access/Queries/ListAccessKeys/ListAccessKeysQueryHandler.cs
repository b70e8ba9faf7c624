namespace AigneHub.Application.Access.Queries.ListAccessKeys;

internal sealed class ListAccessKeysQueryHandler(IDocumentStore store) : IQueryHandler<ListAccessKeysQuery, IReadOnlyList<AccessKeyView>>
{
    public async ValueTask<IReadOnlyList<AccessKeyView>> Handle(ListAccessKeysQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var keys = query.UserId is { } userId
            ? await session.Query<AccessKey>().Where(k => k.UserId == userId).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken)
            : await session.Query<AccessKey>().OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        var ids = keys.Select(k => k.Id).ToArray();
        var uses = ids.Length == 0 ? [] : await session.LoadManyAsync<AccessKeyLastUse>(cancellationToken, ids);
        var lastUse = uses.ToDictionary(u => u.Id, u => u.At, StringComparer.Ordinal);
        return [.. keys.Select(k => AccessKeyView.From(k, lastUse.TryGetValue(k.Id, out var at) ? at : null))];
    }
}
