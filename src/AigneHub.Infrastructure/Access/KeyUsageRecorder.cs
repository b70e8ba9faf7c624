namespace AigneHub.Infrastructure.Access;

/// <summary>
/// Remembers when each key was last used and writes those times in one batch every few seconds, off the call path:
/// a call only sets a value in memory. On shutdown the pending times are written.
/// </summary>
internal sealed partial class KeyUsageRecorder(IDocumentStore store, TimeProvider time, IOptions<AccessOptions> options, ILogger<KeyUsageRecorder> logger)
    : BackgroundService
{
    private ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);

    public void Used(string keyId) => _pending[keyId] = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.LastUsedFlushSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(interval, stoppingToken);
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await FlushAsync(CancellationToken.None);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));
        try
        {
            await using var session = store.LightweightSession();
            session.Store(batch.Select(u => new AccessKeyLastUse { Id = u.Key, At = u.Value }).ToArray());
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Put the times back unless a newer use replaced them; the next flush tries again.
            foreach (var (keyId, at) in batch)
            {
                _pending.AddOrUpdate(keyId, at, (_, newer) => newer > at ? newer : at);
            }

            LogFlushFailed(logger, ex, batch.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the last-used time of {Count} access keys failed; retrying later")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}
