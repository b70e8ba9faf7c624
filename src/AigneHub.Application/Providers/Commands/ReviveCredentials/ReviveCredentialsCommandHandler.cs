namespace AigneHub.Application.Providers.Commands.ReviveCredentials;

internal sealed partial class ReviveCredentialsCommandHandler(
    IDocumentStore store,
    CredentialChecks checks,
    TimeProvider time,
    ILogger<ReviveCredentialsCommandHandler> logger) : ICommandHandler<ReviveCredentialsCommand, RevivalReport>
{
    public async ValueTask<RevivalReport> Handle(ReviveCredentialsCommand command, CancellationToken cancellationToken)
    {
        var backoff = new CredentialRecheck.Backoff(command.FirstBackoff, command.MaxBackoff);
        IReadOnlyList<ProviderConfig> configs;
        await using (var session = store.QuerySession())
        {
            configs = await session.Query<ProviderConfig>().Where(p => p.Enabled).ToListAsync(cancellationToken);
        }

        var now = time.GetUtcNow();
        int probed = 0, revived = 0;
        foreach (var config in configs)
        {
            foreach (var credential in config.Credentials.Where(c => CredentialRecheck.IsDue(c, backoff, now)))
            {
                try
                {
                    var result = await checks.ProbeAsync(config, credential, cancellationToken);
                    if (result is null)
                    {
                        continue;
                    }

                    probed++;
                    if (result.Ok && await ReviveAsync(config.Id, credential.Id, result, cancellationToken))
                    {
                        revived++;
                        LogRevived(logger, config.Id, credential.Id);
                    }
                    else if (!result.Ok)
                    {
                        await checks.RecordAsync(config.Id, credential.Id, result, CredentialRecheck.SystemActor, cancellationToken);
                        LogStillRefused(logger, config.Id, credential.Id, result.UpstreamStatus);
                    }
                }
                catch (HubException ex)
                {
                    // One credential that cannot be checked (undecryptable, removed meanwhile) must not stop the others.
                    LogCheckFailed(logger, ex, config.Id, credential.Id);
                }
            }
        }

        return new RevivalReport(probed, revived);
    }

    /// <summary>Records the passed check and enables the credential, unless someone changed it meanwhile.</summary>
    private async Task<bool> ReviveAsync(string provider, Guid credentialId, Abstractions.ProbeResult result, CancellationToken cancellationToken)
    {
        var revived = false;
        await ProviderStreams.ObserveAsync(store, provider, current =>
        {
            // An operator may have enabled, disabled or removed it since it was read: then it is not ours to revive.
            revived = current.Credential(credentialId) is { } now && CredentialRecheck.IsRevivable(now);
            if (!revived)
            {
                return [];
            }

            var at = time.GetUtcNow();
            return
            [
                ProviderDecisions.RecordTest(current, new(credentialId, Ok: true, result.UpstreamStatus, Message: null), CredentialRecheck.SystemActor, at),
                .. ProviderDecisions.EnableCredential(current, credentialId, CredentialRecheck.SystemActor, at),
            ];
        }, cancellationToken);
        return revived;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential {CredentialId} of {Provider} passed its re-check and is enabled again")]
    private static partial void LogRevived(ILogger logger, string provider, Guid credentialId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential {CredentialId} of {Provider} is still refused (HTTP {UpstreamStatus}); the next re-check waits longer")]
    private static partial void LogStillRefused(ILogger logger, string provider, Guid credentialId, int? upstreamStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-checking credential {CredentialId} of {Provider} failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string provider, Guid credentialId);
}
