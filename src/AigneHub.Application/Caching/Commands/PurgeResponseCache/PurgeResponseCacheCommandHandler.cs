namespace AigneHub.Application.Caching.Commands.PurgeResponseCache;

internal sealed partial class PurgeResponseCacheCommandHandler(IResponseCacheStore store, ILogger<PurgeResponseCacheCommandHandler> logger)
    : ICommandHandler<PurgeResponseCacheCommand, int>
{
    public async ValueTask<int> Handle(PurgeResponseCacheCommand command, CancellationToken cancellationToken)
    {
        var deleted = await store.PurgeAsync(command.Scope, command.Model, cancellationToken);
        LogPurged(logger, deleted, command.Scope ?? "*", command.Model ?? "*", command.By);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} cached answers (scope {Scope}, model {Model}) for {By}")]
    private static partial void LogPurged(ILogger logger, int count, string scope, string model, string by);
}
