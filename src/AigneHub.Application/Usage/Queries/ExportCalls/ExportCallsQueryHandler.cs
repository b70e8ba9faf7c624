using System.Runtime.CompilerServices;
using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ExportCalls;

internal sealed class ExportCallsQueryHandler(ICallRecordReader reader, ICallerContext caller)
    : IStreamQueryHandler<ExportCallsQuery, CallRecord>
{
    public async IAsyncEnumerable<CallRecord> Handle(ExportCallsQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = query.Filter with { UserId = UsageVisibility.UserFilter(caller.Current, query.Filter.UserId) };
        Guid? after = null;
        while (true)
        {
            var page = await reader.ListAsync(filter, after, ExportCallsQuery.PageSize, cancellationToken);
            foreach (var record in page)
            {
                yield return record;
            }

            if (page.Count < ExportCallsQuery.PageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }
}
