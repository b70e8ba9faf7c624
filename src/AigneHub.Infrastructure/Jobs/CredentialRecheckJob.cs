using AigneHub.Application.Providers.Commands.ReviveCredentials;

namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// The Hangfire face of the credential re-check: the logic is <see cref="ReviveCredentialsCommand"/>'s handler; this
/// only sends it with the configured backoff. Public because Hangfire activates it by its type name.
/// </summary>
public sealed class CredentialRecheckJob(IMediator mediator, IOptions<CredentialRecheckOptions> options)
{
    public const string RecurringJobId = "credential-recheck";

    // A failed run is not retried: the next minute's run is the retry. Two runs at once would probe twice.
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [Queue(JobQueues.Credentials)]
    public async Task<RevivalReport> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        return await mediator.Send(
            new ReviveCredentialsCommand(TimeSpan.FromSeconds(settings.FirstBackoffSeconds), TimeSpan.FromSeconds(settings.MaxBackoffSeconds)),
            cancellationToken);
    }
}
