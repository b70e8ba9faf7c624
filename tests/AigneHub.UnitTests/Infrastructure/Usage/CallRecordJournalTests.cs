using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Usage;
using AigneHub.UnitTests.Domain.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Infrastructure.Usage;

public sealed class CallRecordJournalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "aignehub-journal-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Records_journaled_after_one_another_and_at_once_are_each_replayed_whole()
    {
        // A large record, then a small one on the same thread (a reused line buffer must not leak the first into the
        // second), then several at once from other threads.
        var large = UsageStatisticsTests.Record() with { RequestId = "large", Metadata = new Dictionary<string, string> { ["note"] = new string('x', 100_000) } };
        var small = UsageStatisticsTests.Record() with { RequestId = "small" };
        var others = Enumerable.Range(0, 16).Select(i => UsageStatisticsTests.Record() with { RequestId = $"other-{i}" }).ToArray();
        using (var journal = CallRecordJournal.Open(_directory, fsync: false, NullLogger.Instance))
        {
            Assert.NotNull(journal.Append(large));
            Assert.NotNull(journal.Append(small));
            Assert.NotNull(journal.Append(small with { RequestId = "small-again" }));
            await Task.WhenAll(others.Select(record => Task.Run(() => journal.Append(record))));
        }

        using var reopened = CallRecordJournal.Open(_directory, fsync: false, NullLogger.Instance);
        var replayed = reopened.Leftovers().SelectMany(leftover => leftover.Records).ToList();

        Assert.Equal(["large", "small", "small-again"], replayed.Take(3).Select(r => r.RequestId));
        Assert.Equal(others.Select(r => r.RequestId).Order(), replayed.Skip(3).Select(r => r.RequestId).Order());
        Assert.Equal(100_000, replayed[0].Metadata!["note"].Length);
        Assert.Equal(small, replayed[1]);
        Assert.All(replayed.Skip(1), r => Assert.Null(r.Metadata));
    }
}
