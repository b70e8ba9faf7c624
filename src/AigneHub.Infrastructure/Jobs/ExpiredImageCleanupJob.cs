using AigneHub.Application.Images.Commands.DeleteExpiredImages;

namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// The Hangfire face of deleting expired generated images: the logic is <see cref="DeleteExpiredImagesCommand"/>'s
/// handler. Public because Hangfire activates it by its type name.
/// </summary>
public sealed class ExpiredImageCleanupJob(IMediator mediator)
{
    public const string RecurringJobId = "expired-image-cleanup";

    // The next run is the retry; two runs at once would race on the same rows.
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [Queue(JobQueues.Images)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new DeleteExpiredImagesCommand(), cancellationToken);
}
