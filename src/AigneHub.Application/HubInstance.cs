namespace AigneHub.Application;

/// <summary>
/// This hub instance, as the work it owns in the shared database names it: the leases of its calls' credit holds, its
/// balance leases and its spend-budget reservations. One per instance (a singleton of its container): host, process
/// and a random suffix, so two hubs in one process, or a restarted process that got the same id, are told apart, and
/// recovery can tell an instance's renewed work from a dead one's.
/// </summary>
public sealed class HubInstance
{
    public string Id { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    public override string ToString() => Id;
}
