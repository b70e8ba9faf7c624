using AigneHub.Domain.Usage;
using Mediator;

namespace AigneHub.Application.Usage.Queries.ListRecentCalls;

/// <summary>The most recent call records, newest first.</summary>
public sealed record ListRecentCallsQuery(int Limit) : IQuery<IReadOnlyList<CallRecord>>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}
