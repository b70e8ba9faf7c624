using AigneHub.Application.Observability;

namespace AigneHub.Infrastructure.Observability;

/// <summary>
/// Feeds the call metrics from the very records handed to the recorder, then passes them on: every counted call has
/// a record and every record is counted, so the metrics and the call history cannot disagree.
/// </summary>
internal sealed class MeteredCallRecorder(ICallRecorder inner, HubMetrics metrics) : ICallRecorder
{
    public void Record(CallRecord record)
    {
        metrics.RecordCall(record);
        inner.Record(record);
    }
}
