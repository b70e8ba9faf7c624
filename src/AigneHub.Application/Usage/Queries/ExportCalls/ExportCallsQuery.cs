using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ExportCalls;

/// <summary>
/// Every call record matching <paramref name="Filter"/>, newest first, streamed page by page so an export of any size
/// holds one page in memory at a time.
/// </summary>
public sealed record ExportCallsQuery(CallFilter Filter) : IStreamQuery<CallRecord>
{
    /// <summary>Records read per database round trip.</summary>
    public const int PageSize = 1000;
}
