using AigneHub.Application.Observability;

namespace AigneHub.Infrastructure.Observability;

/// <summary>
/// The recorder the handlers see. It completes a call record with what only the request's surroundings know — what
/// the response cache did (a miss or a bypass; a hit's record is written by the cache itself, already stamped) and the
/// calling key's team, so usage can be grouped by team — feeds the call metrics from that very record, then passes it
/// on to the writer: every counted call has a record and every record is counted, so the metrics and the call history
/// cannot disagree. The handlers that write records need know neither the cache nor the teams.
/// </summary>
internal sealed class StampingCallRecorder(ICallRecorder writer, ICacheRequestContext cache, ITeamDirectory teams, HubMetrics metrics) : ICallRecorder
{
    public void Record(CallRecord record)
    {
        if (record.Cache is null && cache.Outcome is { } outcome)
        {
            record = record with { Cache = outcome };
        }

        metrics.RecordCall(record);
        if (record.KeyId is { } keyId && teams.TeamOfKey(keyId) is { } team)
        {
            record = record with { TeamId = team };
        }

        writer.Record(record);
    }
}
