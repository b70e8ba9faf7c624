using AigneHub.Application.Providers;
using AigneHub.Domain.Providers;

namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// The providers registered through the admin API, as an in-memory snapshot the call path reads without touching the
/// database. A poll of the provider views (name and version, a handful of rows) notices any change, from this instance
/// or another, within one refresh interval; only then are the views loaded, their secrets decrypted and the snapshot
/// swapped. Decrypted secrets live only in this snapshot's memory.
/// </summary>
internal sealed partial class RegisteredProviders(
    IDocumentStore store,
    ISecretProtector protector,
    ChatAdapterRegistry adapters,
    ProviderProfiles profiles,
    CredentialHealth health,
    CredentialDisabler disabler,
    IOptions<RegisteredProviderOptions> options,
    ILogger<RegisteredProviders> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private string _fingerprint = string.Empty;
    private Task _loop = Task.CompletedTask;

    /// <summary>The registered providers that can take calls now.</summary>
    public IReadOnlyList<RoutedChatProvider> Current => _snapshot.Routable;

    /// <summary>
    /// Whether the provider is registered at all, routable or not: a registered provider that is disabled or has no
    /// usable credential must not quietly fall back to a configured provider of the same name.
    /// </summary>
    public bool IsRegistered(string provider) => _snapshot.Registered.Contains(provider);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first snapshot is taken before the hub serves, so a restart routes to registered providers at once.
        await RefreshAsync(cancellationToken);
        // On a failure the last good snapshot keeps serving; the next poll tries again.
        _loop = Task.Run(
            () => PollingLoop.RunAsync(TimeSpan.FromMilliseconds(options.Value.RefreshIntervalMs), TimeProvider.System, RefreshAsync, ex => LogRefreshFailed(logger, ex), null, _stopping.Token),
            CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Rebuilds the snapshot if any provider stream moved since the last look.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var versions = await session.Query<ProviderConfig>().Select(p => new { p.Id, p.Version }).ToListAsync(cancellationToken);
        var fingerprint = string.Join(';', versions.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => $"{v.Id}:{v.Version}"));
        if (fingerprint == _fingerprint)
        {
            return;
        }

        var configs = await session.Query<ProviderConfig>().ToListAsync(cancellationToken);
        var previouslyDisabled = _snapshot.DisabledCredentials;
        var providers = new List<RoutedChatProvider>(configs.Count);
        foreach (var config in configs.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            if (Build(config, previouslyDisabled) is { } provider)
            {
                providers.Add(provider);
            }
        }

        _snapshot = new Snapshot(
            providers,
            configs.Select(c => c.Id).ToHashSet(StringComparer.Ordinal),
            configs.SelectMany(c => c.Credentials).Where(c => !c.Enabled).Select(c => c.Id.ToString()).ToHashSet(StringComparer.Ordinal));
        _fingerprint = fingerprint;
        LogRefreshed(logger, providers.Count, fingerprint);
    }

    private RoutedChatProvider? Build(ProviderConfig config, IReadOnlySet<string> previouslyDisabled)
    {
        if (!config.Enabled)
        {
            return null;
        }

        if (!adapters.CanResolve(config.Id))
        {
            LogNoAdapter(logger, config.Id);
            return null;
        }

        if (UpstreamValues.UnsendableEndpointField(config.BaseUrl, config.Region) is { } endpointField)
        {
            // Stored before the admin API refused such values: never written into a request line.
            LogUnsendableEndpoint(logger, config.Id, endpointField);
            return null;
        }

        var baseUrl = profiles.BaseUrlFor(config.Id, config.BaseUrl, config.Region);
        if (baseUrl is null)
        {
            LogNoEndpoint(logger, config.Id);
            return null;
        }

        var credentials = new List<(ProviderCredential, int)>();
        foreach (var credential in config.Credentials.Where(c => c.Enabled))
        {
            try
            {
                var decrypted = ProviderCredentials.Decrypt(protector, credential);
                if (UpstreamValues.UnsendableField(decrypted) is { } field)
                {
                    // Stored before the admin API refused such values: never sent; the others take its calls.
                    LogUnsendableCredential(logger, config.Id, credential.Id, field);
                    continue;
                }

                credentials.Add((decrypted, credential.Weight));

                // Only a credential seen disabled and now enabled again was revived. One this instance refused a moment
                // ago, whose CredentialDisabled event has not landed yet, stays out of the rotation.
                if (previouslyDisabled.Contains(decrypted.Id))
                {
                    health.Revived(decrypted.Id);
                }
            }
            catch (Application.Errors.HubException ex)
            {
                // A secret this instance cannot decrypt (a key missing from its ring) must not take the others down.
                LogUndecryptable(logger, ex, config.Id, credential.Id, credential.Secret.KeyId);
            }
        }

        return credentials.Count == 0
            ? null
            : RoutedChatProvider.Registered(adapters.Resolve(config.Id), new CredentialRotation(config.Id, baseUrl, config.Region, credentials, health, disabler));
    }

    private sealed record Snapshot(
        IReadOnlyList<RoutedChatProvider> Routable,
        IReadOnlySet<string> Registered,
        IReadOnlySet<string> DisabledCredentials)
    {
        public static readonly Snapshot Empty = new([], new HashSet<string>(), new HashSet<string>());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider snapshot refreshed: {Count} registered providers routable ({Versions})")]
    private static partial void LogRefreshed(ILogger logger, int count, string versions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} is registered but the hub has no adapter for its protocol yet; it is not routed")]
    private static partial void LogNoAdapter(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} has no base URL and no default endpoint; it is not routed")]
    private static partial void LogNoEndpoint(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} has a stored {Field} with a control character or over the length limit; it is not routed until an operator replaces it")]
    private static partial void LogUnsendableEndpoint(ILogger logger, string provider, string field);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential {CredentialId} of {Provider} has a stored {Field} with a control character or over the length limit; it is never sent, and is out of the rotation until an operator replaces it")]
    private static partial void LogUnsendableCredential(ILogger logger, string provider, Guid credentialId, string field);

    [LoggerMessage(Level = LogLevel.Error, Message = "Credential {CredentialId} of {Provider} cannot be decrypted (key {KeyId}); it is not routed")]
    private static partial void LogUndecryptable(ILogger logger, Exception exception, string provider, Guid credentialId, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the provider snapshot failed; the previous one stays in use")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
