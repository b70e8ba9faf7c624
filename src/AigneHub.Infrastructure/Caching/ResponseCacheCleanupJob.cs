using AigneHub.Application.Caching.Commands.DeleteExpiredResponses;

namespace AigneHub.Infrastructure.Caching;

/// <summary>
/// The Hangfire face of pruning expired cached answers: the logic is <see cref="DeleteExpiredResponsesCommand"/>'s
/// handler. Public because Hangfire activates it by its type name.
/// </summary>
public sealed class ResponseCacheCleanupJob(IMediator mediator)
{
    public const string RecurringJobId = "response-cache-prune";

    // The next run is the retry; two runs at once would race on the same rows.
    [AutomaticRetry(Attempts = 0)]
    [Queue(Jobs.JobQueues.Cache)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new DeleteExpiredResponsesCommand(), cancellationToken);
}
