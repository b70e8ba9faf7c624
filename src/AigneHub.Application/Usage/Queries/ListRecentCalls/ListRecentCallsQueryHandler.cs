using AigneHub.Application.Abstractions;
using AigneHub.Domain.Usage;
using Mediator;

namespace AigneHub.Application.Usage.Queries.ListRecentCalls;

internal sealed class ListRecentCallsQueryHandler(ICallRecordReader reader)
    : IQueryHandler<ListRecentCallsQuery, IReadOnlyList<CallRecord>>
{
    public async ValueTask<IReadOnlyList<CallRecord>> Handle(ListRecentCallsQuery query, CancellationToken cancellationToken) =>
        await reader.ListRecentAsync(query.Limit, cancellationToken);
}
