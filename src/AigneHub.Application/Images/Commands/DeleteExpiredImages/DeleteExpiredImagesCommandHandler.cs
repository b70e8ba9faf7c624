namespace AigneHub.Application.Images.Commands.DeleteExpiredImages;

internal sealed partial class DeleteExpiredImagesCommandHandler(
    IImageStore store,
    TimeProvider time,
    ILogger<DeleteExpiredImagesCommandHandler> logger) : ICommandHandler<DeleteExpiredImagesCommand, int>
{
    public async ValueTask<int> Handle(DeleteExpiredImagesCommand command, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteExpiredAsync(time.GetUtcNow(), cancellationToken);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired generated images")]
    private static partial void LogDeleted(ILogger logger, int count);
}
