using AigneHub.Application.Abstractions;
using AigneHub.Domain.Usage;
using Marten;

namespace AigneHub.Infrastructure.Usage;

internal sealed class MartenCallRecordReader(IDocumentStore store) : ICallRecordReader
{
    public async Task<IReadOnlyList<CallRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<CallRecord>()
            .OrderByDescending(x => x.StartedAt)
            .Take(limit)
            .ToListAsync(cancellationToken);
    }
}
