using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ListCalls;

internal sealed class ListCallsQueryHandler(ICallRecordReader reader, IDocumentStore store, ICallerContext caller)
    : IQueryHandler<ListCallsQuery, CallPage>
{
    public async ValueTask<CallPage> Handle(ListCallsQuery query, CancellationToken cancellationToken)
    {
        var filter = query.Filter with
        {
            UserId = await UsageVisibility.UserFilterAsync(store, caller.Current, query.Filter.TeamId, query.Filter.UserId, cancellationToken),
        };
        CallPageToken.TryParse(query.PageToken, out var after);

        // One more than asked tells whether another page exists without a count query.
        var calls = (await reader.ListAsync(filter, after, query.Limit + 1, cancellationToken))
            .Select(record => UsageVisibility.AsSeenBy(caller.Current, record)).ToList();
        if (calls.Count <= query.Limit)
        {
            return new CallPage(calls, null);
        }

        var page = calls.Take(query.Limit).ToList();
        return new CallPage(page, CallPageToken.Format(page[^1].Id));
    }
}
