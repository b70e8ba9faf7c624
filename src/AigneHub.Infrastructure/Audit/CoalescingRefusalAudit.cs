using AigneHub.Application.Audit;
using AigneHub.Domain.Audit.Events;

namespace AigneHub.Infrastructure.Audit;

/// <summary>
/// <see cref="IRefusalAudit"/> on <see cref="RefusalTally"/>: the first refusal of a bucket is written at once (an
/// operator watching the trail sees it), the rest of the minute's count as one more entry when the minute is over;
/// when the hub stops, every count still held is written. Refusals are the hub's own observation: the actor is "system".
/// </summary>
internal sealed partial class CoalescingRefusalAudit(
    MartenAuditTrail trail,
    IRequestOrigin origin,
    TimeProvider time,
    ILogger<CoalescingRefusalAudit> logger) : IRefusalAudit, IHostedService, IAsyncDisposable
{
    /// <summary>How often closed minutes are written: a bucket's count is in the trail at most this long after its minute.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);

    private readonly RefusalTally _tally = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private ITimer? _timer;

    public async Task RefusedAsync(string kind, string target, string outcome)
    {
        var at = time.GetUtcNow();
        var address = origin.Address;
        if (_tally.Note(kind, target, outcome, address, at))
        {
            // Not the request's token: a caller that hangs up must not take its refusal out of the count.
            await trail.AppendAsync([Entry(kind, target, outcome, address, origin.CorrelationId, at, 1)], CancellationToken.None);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => _ = FlushAsync(everything: false), null, FlushInterval, FlushInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        await FlushAsync(everything: true);
    }

    /// <summary>Writes the counts of the buckets whose minute is over, or of all of them.</summary>
    internal async Task FlushAsync(bool everything)
    {
        await _flushing.WaitAsync();
        try
        {
            var due = _tally.TakeDue(time.GetUtcNow(), everything);
            if (due.Count > 0)
            {
                await trail.AppendAsync(
                    [.. due.Select(d => Entry(d.Bucket.Kind, d.Bucket.Target, d.Bucket.Outcome, d.Bucket.Address, null, d.LastAt, d.Count))],
                    CancellationToken.None);
                LogCoalesced(logger, due.Count, due.Sum(d => d.Count));
            }
        }
        catch (Exception ex)
        {
            LogFlushFailed(logger, ex);
        }
        finally
        {
            _flushing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
    }

    private static AuditEntryRecorded Entry(string kind, string target, string outcome, string? address, string? correlationId, DateTimeOffset at, int count) =>
        new(Guid.CreateVersion7(), "system", kind, target, null, null, outcome, address, correlationId, at, count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Entries} audit entries counting {Refusals} repeated refusals")]
    private static partial void LogCoalesced(ILogger logger, int entries, int refusals);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the counts of repeated refusals to the audit trail")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
