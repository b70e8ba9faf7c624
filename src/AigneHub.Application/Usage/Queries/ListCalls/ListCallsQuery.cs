using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ListCalls;

/// <summary>
/// One page of call records matching <paramref name="Filter"/>, newest first. <paramref name="PageToken"/> continues
/// after the previous page's last record (keyset paging: pages stay stable while new calls arrive).
/// </summary>
public sealed record ListCallsQuery(CallFilter Filter, int Limit, string? PageToken = null) : IQuery<CallPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>A page of call records and the token for the next one (null on the last page).</summary>
public sealed record CallPage(IReadOnlyList<CallRecord> Calls, string? NextPageToken);
