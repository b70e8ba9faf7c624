using System.Threading.Channels;
using AigneHub.Application.Providers.Commands.SetCredentialEnabled;
using AigneHub.Application.Providers.Queries.GetProvider;
using AigneHub.Domain.Providers;

namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// Persists "the upstream refused this credential" off the call path: the call that saw the 401 fails over at once,
/// and this worker appends the CredentialDisabled event (retrying on a version clash with another writer).
/// </summary>
internal sealed partial class CredentialDisabler(IServiceProvider services, ILogger<CredentialDisabler> logger) : IHostedService
{
    private readonly Channel<Refusal> _queue = Channel.CreateUnbounded<Refusal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task _worker = Task.CompletedTask;

    private int _pending;

    /// <summary>Refusals waiting to be persisted.</summary>
    internal int Pending => Volatile.Read(ref _pending);

    public void Disable(string provider, Guid credentialId, int? upstreamStatus)
    {
        if (_queue.Writer.TryWrite(new Refusal(provider, credentialId, upstreamStatus)))
        {
            Interlocked.Increment(ref _pending);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _worker = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _worker.WaitAsync(cancellationToken);
        _stopping.Cancel();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        await foreach (var refusal in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            Interlocked.Decrement(ref _pending);
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                try
                {
                    var mediator = services.GetRequiredService<IMediator>();
                    var current = await mediator.Send(new GetProviderQuery(refusal.Provider), stopping);
                    await mediator.Send(
                        new SetCredentialEnabledCommand(
                            refusal.Provider,
                            current.Version,
                            refusal.CredentialId,
                            Enabled: false,
                            $"the upstream refused the credential (HTTP {refusal.UpstreamStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"})",
                            refusal.UpstreamStatus,
                            CredentialRecheck.SystemActor),
                        stopping);
                    LogDisabled(logger, refusal.Provider, refusal.CredentialId, refusal.UpstreamStatus);
                    break;
                }
                catch (ConflictException) when (attempt < 5)
                {
                    // Someone else changed the provider meanwhile: read it again and retry.
                }
                catch (Exception ex) when (ex is HubException or OperationCanceledException)
                {
                    LogNotPersisted(logger, ex, refusal.Provider, refusal.CredentialId);
                    break;
                }
            }
        }
    }

    private sealed record Refusal(string Provider, Guid CredentialId, int? UpstreamStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disabled credential {CredentialId} of {Provider}: the upstream refused it (HTTP {UpstreamStatus})")]
    private static partial void LogDisabled(ILogger logger, string provider, Guid credentialId, int? upstreamStatus);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record that credential {CredentialId} of {Provider} was refused")]
    private static partial void LogNotPersisted(ILogger logger, Exception exception, string provider, Guid credentialId);
}
