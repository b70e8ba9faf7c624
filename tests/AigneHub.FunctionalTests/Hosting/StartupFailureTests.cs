using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>An operator's configuration mistake ends the start with one clear line, not a crash and a stack trace.</summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "aignehub-badstart-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_hub_on_an_external_database_without_a_key_ring_says_so_and_exits()
    {
        var database = await TestDatabase.CreateAsync("badstart");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => HubProcess.StartAsync(_dataPath, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database,
            ["Secrets__ActiveKeyId"] = string.Empty,
        }));

        Assert.Contains("AIGNE Hub could not start: Secrets:ActiveKeyId is not set", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
