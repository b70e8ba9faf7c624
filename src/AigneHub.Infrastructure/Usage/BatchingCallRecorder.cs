using System.Threading.Channels;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Usage;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Takes call records from the hot path without waiting (an unbounded channel), and writes them in batches. A batch
/// that fails to write is retried with backoff and is never dropped; on shutdown everything queued is written before
/// the host (and its database) stops. Not a BackgroundService: that starts its loop through Task.Run with the stopping
/// token, so a stop soon after start can cancel the loop before it ever runs and lose what was queued.
/// </summary>
internal sealed partial class BatchingCallRecorder(
    IDocumentStore store,
    IOptions<CallRecordingOptions> options,
    ILogger<BatchingCallRecorder> logger)
    : IHostedService, ICallRecorder
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly Channel<CallRecord> _queue = Channel.CreateUnbounded<CallRecord>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly CallRecordingOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private Task _writer = Task.CompletedTask;

    public void Record(CallRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            // Only after shutdown completed: nothing can write it any more, so say so loudly.
            LogDroppedAfterShutdown(logger, record.RequestId);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(() => WriteLoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops taking records and waits until every queued one is written (or the host's shutdown timeout ends).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        await _writer.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<CallRecord>(_options.BatchSize);
        var reader = _queue.Reader;

        // The loop ends when the channel is completed and drained (StopAsync), not on stoppingToken: queued records
        // must still be written during shutdown.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await FillBatchAsync(reader, batch);
            await WriteWithRetryAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    private async Task FillBatchAsync(ChannelReader<CallRecord> reader, List<CallRecord> batch)
    {
        using var window = new CancellationTokenSource(_options.FlushIntervalMs);
        try
        {
            while (batch.Count < _options.BatchSize)
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var record))
                {
                    batch.Add(record);
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

    private async Task WriteWithRetryAsync(List<CallRecord> batch, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                session.Store<CallRecord>(batch);
                foreach (var record in batch)
                {
                    session.Events.Append(CallRecorded.StreamKey(record.Id), new CallRecorded(record));
                }

                await session.SaveChangesAsync(CancellationToken.None);
                LogBatchWritten(logger, batch.Count);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBatchFailed(logger, ex, batch.Count, attempt, delay.TotalMilliseconds);

                // During shutdown keep trying for a short while rather than forever, then report what is lost.
                if (stoppingToken.IsCancellationRequested && attempt >= 5)
                {
                    LogBatchLost(logger, batch.Count);
                    return;
                }

                await Task.Delay(delay, CancellationToken.None);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Count} call records")]
    private static partial void LogBatchWritten(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} call records failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Gave up writing {Count} call records during shutdown: the database stayed unreachable")]
    private static partial void LogBatchLost(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call record for request {RequestId} arrived after the recorder stopped and was not written")]
    private static partial void LogDroppedAfterShutdown(ILogger logger, string requestId);
}
