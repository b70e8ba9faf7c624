using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Infrastructure.Teams;

/// <summary>The key → team map of every team key, from the team snapshots, refreshed every <see cref="RefreshInterval"/>.</summary>
internal sealed partial class TeamDirectory(IDocumentStore store, TimeProvider time, ILogger<TeamDirectory> logger) : ITeamDirectory, IHostedService, IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, string> _teamOfKey = new(StringComparer.Ordinal);
    private Task _refreshing = Task.CompletedTask;

    public string? TeamOfKey(string keyId) => Volatile.Read(ref _teamOfKey).GetValueOrDefault(keyId);

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var teams = await session.Query<Team>().ToListAsync(cancellationToken);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var team in teams)
        {
            foreach (var key in team.KeyIds)
            {
                map[key] = team.Id;
            }
        }

        Volatile.Write(ref _teamOfKey, map);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        _refreshing = Task.Run(
            () => PollingLoop.RunAsync(RefreshInterval, time, ReloadAsync, ex => LogRefreshFailed(logger, ex), static ex => ex is NpgsqlException or InvalidOperationException, _stopping.Token),
            CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the teams failed; the key-to-team map in memory stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
