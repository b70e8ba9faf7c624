using AigneHub.Application.Usage;
using Marten.Linq.MatchesSql;

namespace AigneHub.Infrastructure.Usage;

internal sealed class MartenCallRecordReader(IDocumentStore store) : ICallRecordReader
{
    public Task<IReadOnlyList<CallRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken) =>
        ListAsync(CallFilter.None, null, limit, cancellationToken);

    public async Task<IReadOnlyList<CallRecord>> ListAsync(CallFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var query = session.Query<CallRecord>().AsQueryable();
        if (filter.From is { } from)
        {
            query = query.Where(x => x.StartedAt >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(x => x.StartedAt < to);
        }

        if (filter.UserId is { } userId)
        {
            query = query.Where(x => x.UserId == userId);
        }

        if (filter.AppId is { } appId)
        {
            query = query.Where(x => x.AppId == appId);
        }

        if (filter.TeamId is { } teamId)
        {
            query = query.Where(x => x.TeamId == teamId);
        }

        if (filter.Provider is { } provider)
        {
            query = query.Where(x => x.Provider == provider);
        }

        if (filter.Model is { } model)
        {
            query = query.Where(x => x.Model == model);
        }

        if (filter.CallType is { } callType)
        {
            query = query.Where(x => x.CallType == callType);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(x => x.Status == status);
        }

        if (filter.MinLatencyMs is { } minLatency)
        {
            query = query.Where(x => x.LatencyMs >= minLatency);
        }

        if (after is { } last)
        {
            // Ids are UUIDv7s: PostgreSQL orders uuids bytewise, which is their time order.
            query = query.Where(x => x.MatchesSql("d.id < ?", last));
        }

        return await query.OrderByDescending(x => x.Id).Take(limit).ToListAsync(cancellationToken);
    }
}
