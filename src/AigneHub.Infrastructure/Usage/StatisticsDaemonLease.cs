using AigneHub.Application.Usage;
using JasperFx.Events.Daemon;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Runs the statistics projection daemon on exactly one instance of a database at a time (ADR 0021). Every candidate
/// keeps one dedicated, unpooled connection and tries <c>pg_try_advisory_lock</c> every
/// <see cref="AnalyticsOptions.LeasePollSeconds"/>; the one that gets the lock starts Marten's daemon (Solo) and
/// checks each poll that its connection, and so its lock, still lives. PostgreSQL releases the lock the moment the
/// holder's session ends (a killed process's socket closes; a vanished host is found by TCP keepalives), and the next
/// poll of a standby takes over. A leader that loses its connection stops projecting at once, so two daemons never
/// project together.
/// </summary>
internal sealed partial class StatisticsDaemonLease(
    IDocumentStore store,
    HubDatabase database,
    StatisticsDaemonState state,
    IOptions<AnalyticsOptions> options,
    ILogger<StatisticsDaemonLease> logger) : BackgroundService
{
    /// <summary>The advisory lock's key ("AIGHSTAT"), scoped to the database like every advisory lock.</summary>
    public const long LockKey = 0x4149_4748_5354_4154;

    private NpgsqlConnection? _connection;
    private IProjectionDaemon? _daemon;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.LeasePollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException)
            {
                await LoseAsync(ex);
            }

            try
            {
                await Task.Delay(poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await ResignAsync();
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            _connection = new NpgsqlConnection(ConnectionBudget.LeaseConnectionString(database.ConnectionString));
            await _connection.OpenAsync(cancellationToken);
        }

        if (_daemon is not null)
        {
            // The lock lives as long as this session: a round trip proves both.
            await using var ping = new NpgsqlCommand("select 1", _connection);
            await ping.ExecuteScalarAsync(cancellationToken);
            return;
        }

        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", _connection);
        command.Parameters.AddWithValue("key", LockKey);
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return;
        }

        var daemon = await store.BuildProjectionDaemonAsync(logger: logger);
        await daemon.StartAllAsync();
        _daemon = daemon;
        state.Lead();
        LogLeading(logger, Environment.MachineName, Environment.ProcessId);
    }

    /// <summary>The lease's connection failed: stop projecting (another instance may hold the lock by now).</summary>
    private async Task LoseAsync(Exception cause)
    {
        var wasLeading = _daemon is not null;
        await StopDaemonAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }

        if (wasLeading)
        {
            LogLost(logger, cause.GetType().Name);
        }
    }

    private async Task ResignAsync()
    {
        await StopDaemonAsync();
        if (_connection is not null)
        {
            // Closing the session releases the lock for the standbys.
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private async Task StopDaemonAsync()
    {
        if (_daemon is not { } daemon)
        {
            return;
        }

        _daemon = null;
        state.Follow();
        try
        {
            await daemon.StopAllAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            LogStopFailed(logger, ex.GetType().Name);
        }

        daemon.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance ({Machine}, process {ProcessId}) took the statistics lease and runs the projection daemon")]
    private static partial void LogLeading(ILogger logger, string machine, int processId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The statistics lease's connection failed ({Exception}); this instance stopped projecting and will stand by")]
    private static partial void LogLost(ILogger logger, string exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The statistics daemon did not stop cleanly ({Exception})")]
    private static partial void LogStopFailed(ILogger logger, string exception);
}

/// <summary>Whether this instance projects the statistics now (for readiness and logs).</summary>
internal sealed class StatisticsDaemonState
{
    private volatile bool _leading;

    public bool IsLeading => _leading;

    public void Lead() => _leading = true;

    public void Follow() => _leading = false;
}

internal static class StatisticsDaemonRegistration
{
    public static IServiceCollection AddStatisticsDaemon(this IServiceCollection services, AnalyticsOptions analytics)
    {
        services.AddSingleton<StatisticsDaemonState>();
        if (analytics.RunsDaemon)
        {
            services.AddHostedService<StatisticsDaemonLease>();
            // Solo without Marten's own coordinator (AddAsyncDaemon would start the daemon on every instance at once):
            // the lease starts it; the mode only tells Marten the async projections do run here.
            services.ConfigureMarten(options => options.Projections.AsyncMode = DaemonMode.Solo);
        }

        services.AddHealthChecks().AddCheck<StatisticsHealthCheck>("statistics", tags: [HealthTags.Ready]);
        return services;
    }
}
