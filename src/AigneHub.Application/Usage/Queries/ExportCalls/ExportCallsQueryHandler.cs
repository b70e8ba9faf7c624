using System.Runtime.CompilerServices;
using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ExportCalls;

internal sealed class ExportCallsQueryHandler(ICallRecordReader reader, IDocumentStore store, ICallerContext caller)
    : IStreamQueryHandler<ExportCallsQuery, CallRecord>
{
    public async IAsyncEnumerable<CallRecord> Handle(ExportCallsQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = query.Filter with
        {
            UserId = await UsageVisibility.UserFilterAsync(store, caller.Current, query.Filter.TeamId, query.Filter.UserId, cancellationToken),
        };
        Guid? after = null;
        while (true)
        {
            var page = await reader.ListAsync(filter, after, ExportCallsQuery.PageSize, cancellationToken);
            foreach (var record in page)
            {
                yield return UsageVisibility.AsSeenBy(caller.Current, record);
            }

            if (page.Count < ExportCallsQuery.PageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }
}
