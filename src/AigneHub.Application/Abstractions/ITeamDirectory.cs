namespace AigneHub.Application.Abstractions;

/// <summary>
/// Which team each team key belongs to, answered from memory on the call path (budgets, call records), read again
/// after a team changes on this instance and every few seconds for changes made through others.
/// </summary>
public interface ITeamDirectory
{
    /// <summary>The team of a team key; null for a key of no team.</summary>
    string? TeamOfKey(string keyId);

    Task ReloadAsync(CancellationToken cancellationToken);
}

/// <summary>For hosts without the teams' store (the Application alone): no key belongs to a team.</summary>
internal sealed class NoTeamDirectory : ITeamDirectory
{
    public string? TeamOfKey(string keyId) => null;

    public Task ReloadAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
