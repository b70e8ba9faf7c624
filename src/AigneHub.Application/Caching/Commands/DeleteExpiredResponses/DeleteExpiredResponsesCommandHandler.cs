namespace AigneHub.Application.Caching.Commands.DeleteExpiredResponses;

internal sealed partial class DeleteExpiredResponsesCommandHandler(
    IResponseCacheStore store,
    TimeProvider time,
    ILogger<DeleteExpiredResponsesCommandHandler> logger) : ICommandHandler<DeleteExpiredResponsesCommand, int>
{
    public async ValueTask<int> Handle(DeleteExpiredResponsesCommand command, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteExpiredAsync(time.GetUtcNow(), cancellationToken);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired cached answers")]
    private static partial void LogDeleted(ILogger logger, int count);
}
