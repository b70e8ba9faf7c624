using System.Threading.Channels;
using AigneHub.Application.EventSourcing;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Takes call records from the hot path without waiting on the database: each is appended to the local write-ahead
/// journal (<see cref="CallRecordJournal"/>, when on) and queued in memory; a loop writes them in batches, each record
/// as a document and the batch as one <see cref="CallsRecorded"/> event, in one transaction. A batch that fails is
/// retried with backoff, unless the failed attempt turns out to have committed (its stream exists);
/// on shutdown everything queued is written before the host (and its database) stops; after a killed process the
/// journal's leftovers are written at the next start, skipping records the database already has. Not a
/// BackgroundService: that starts its loop through Task.Run with the stopping token, so a stop soon after start can
/// cancel the loop before it ever runs and lose what was queued.
/// </summary>
internal sealed partial class BatchingCallRecorder(
    IDocumentStore store,
    IOptions<CallRecordingOptions> options,
    HubDatabase database,
    ILogger<BatchingCallRecorder> logger)
    : IHostedService, ICallRecorder, IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly CallRecordingOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private CallRecordJournal? _journal;
    private Task _writer = Task.CompletedTask;

    public void Record(CallRecord record)
    {
        var segment = _journal?.Append(record);
        if (!_queue.Writer.TryWrite(new Entry(record, segment)))
        {
            // Only after shutdown completed: the journal (when on) still has it for the next start.
            LogDroppedAfterShutdown(logger, record.RequestId);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.JournalEnabled)
        {
            var baseDirectory = string.IsNullOrWhiteSpace(_options.JournalPath) ? CallRecordJournal.DefaultBaseDirectory(database) : _options.JournalPath;
            _journal = CallRecordJournal.Open(baseDirectory, _options.JournalFsync, logger);
            await ReplayLeftoversAsync(_journal, cancellationToken);
        }

        _writer = Task.Run(() => WriteLoopAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops taking records and waits until every queued one is written (or the host's shutdown timeout ends).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        await _writer.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _journal?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Writes what a killed run left in the journal: records the database does not have yet (a run killed after a
    /// batch committed but before its segment was deleted leaves records that are already stored), then deletes the
    /// segments.
    /// </summary>
    private async Task ReplayLeftoversAsync(CallRecordJournal journal, CancellationToken cancellationToken)
    {
        foreach (var (path, records) in journal.Leftovers())
        {
            var written = 0;
            foreach (var chunk in records.Chunk(_options.BatchSize))
            {
                var ids = chunk.Select(r => r.Id).ToArray();
                await using var session = store.LightweightSession();
                var stored = (await session.Query<CallRecord>().Where(r => r.Id.IsOneOf(ids)).Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
                var missing = chunk.Where(r => !stored.Contains(r.Id)).ToList();
                if (missing.Count > 0)
                {
                    await StageAsync(session, missing);
                    await session.SaveChangesAsync(cancellationToken);
                    written += missing.Count;
                }
            }

            CallRecordJournal.DeleteFile(path);
            LogReplayed(logger, written, records.Count, path);
        }
    }

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Entry>(_options.BatchSize);
        var reader = _queue.Reader;

        // The loop ends when the channel is completed and drained (StopAsync), not on stoppingToken: queued records
        // must still be written during shutdown.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await FillBatchAsync(reader, batch);
            if (await WriteWithRetryAsync(batch, stoppingToken))
            {
                _journal?.Committed(batch.Select(e => e.Segment));
            }

            batch.Clear();
        }
    }

    private async Task FillBatchAsync(ChannelReader<Entry> reader, List<Entry> batch)
    {
        using var window = new CancellationTokenSource(_options.FlushIntervalMs);
        try
        {
            while (batch.Count < _options.BatchSize)
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }

                if (batch.Count >= _options.BatchSize || !await reader.WaitToReadAsync(window.Token))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested)
        {
            // The flush interval elapsed: write what we have.
        }
    }

    private async Task<bool> WriteWithRetryAsync(List<Entry> batch, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var records = batch.Select(e => e.Record).ToList();
                await using var session = store.LightweightSession();
                if (attempt > 1 && await session.Events.FetchStreamStateAsync(CallsRecorded.StreamKey(records[0].Id), CancellationToken.None) is not null)
                {
                    // The failed attempt did commit (its answer was lost): writing the batch again would count it twice.
                    LogBatchFoundWritten(logger, batch.Count, attempt);
                    return true;
                }

                await StageAsync(session, records);
                await session.SaveChangesAsync(CancellationToken.None);
                LogBatchWritten(logger, batch.Count);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBatchFailed(logger, ex, batch.Count, attempt, delay.TotalMilliseconds);

                // During shutdown keep trying for a short while rather than forever; the journal keeps the records.
                if (stoppingToken.IsCancellationRequested && attempt >= 5)
                {
                    LogBatchLeft(logger, batch.Count, _journal is null ? "lost" : "kept in the journal for the next start");
                    return false;
                }

                await Task.Delay(delay, CancellationToken.None);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// The batch's documents in one upsert statement (<see cref="DocumentBatches"/>; the test
    /// <c>Recorder_writes_the_rows_marten_writes</c> compares its rows with Marten's), and the batch as one <see cref="CallsRecorded"/> event on a new stream keyed by its first
    /// record (the batch's idempotency key: a record is in one committed batch at most, so a stream that exists is this
    /// batch, committed), in one session and so one transaction. Live batches and replayed ones alike are made storable
    /// first (<see cref="StorableCallRecords"/>).
    /// </summary>
    private static async Task StageAsync(IDocumentSession session, IReadOnlyList<CallRecord> records)
    {
        records = StorableCallRecords.Of(records);
        await DocumentBatches.QueueUpsertAsync(
            session, records, r => r.Id, "uuid", CancellationToken.None, DocumentBatches.Text<CallRecord>("request_id", r => r.RequestId));
        session.Events.StartStream(CallsRecorded.StreamKey(records[0].Id), CallsRecorded.Of(records));
    }

    private readonly record struct Entry(CallRecord Record, long? Segment);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Count} call records")]
    private static partial void LogBatchWritten(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} call records failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} call records were already written by a failed attempt whose commit did land (attempt {Attempt}); not written again")]
    private static partial void LogBatchFoundWritten(ILogger logger, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Gave up writing {Count} call records during shutdown (the database stayed unreachable): {Fate}")]
    private static partial void LogBatchLeft(ILogger logger, int count, string fate);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call record for request {RequestId} arrived after the recorder stopped and was not queued")]
    private static partial void LogDroppedAfterShutdown(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replayed {Written} of {Total} call records from journal segment {Path} left by a stopped run (the rest were already stored)")]
    private static partial void LogReplayed(ILogger logger, int written, int total, string path);
}
