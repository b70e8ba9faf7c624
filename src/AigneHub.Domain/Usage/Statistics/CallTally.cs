namespace AigneHub.Domain.Usage.Statistics;

/// <summary>
/// What the calls of one recorder batch that started in the same UTC minute, for the same provider, model, user, app,
/// call type and team, did and cost: the part of the calls the usage statistics need, added up. Every statistics
/// bucket (a UTC hour, or a day in any zone, whose midnight is a whole UTC minute) holds whole minutes, so a tally
/// goes into the same buckets as each of its calls would.
/// </summary>
public sealed record CallTally(
    DateTimeOffset Minute, string Provider, string Model, string UserId, string AppId, CallType CallType, string TeamId, UsageFigures Figures)
{
    /// <summary>The records' tallies: one per minute and dimension tuple, in the order each first appears.</summary>
    public static IReadOnlyList<CallTally> Of(IEnumerable<CallRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var tallies = new Dictionary<(DateTimeOffset, string, string, string, string, CallType, string), CallTally>();
        var ordered = new List<CallTally>();
        foreach (var record in records)
        {
            var tally = Empty(record);
            var key = (tally.Minute, tally.Provider, tally.Model, tally.UserId, tally.AppId, tally.CallType, tally.TeamId);
            if (!tallies.TryGetValue(key, out var existing))
            {
                existing = tally;
                tallies[key] = existing;
                ordered.Add(existing);
            }

            existing.Figures.Add(record);
        }

        return ordered;
    }

    /// <summary>The empty tally of <paramref name="record"/>'s minute and dimensions.</summary>
    public static CallTally Empty(CallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var at = record.StartedAt.ToUniversalTime();
        var minute = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        return new CallTally(minute, record.Provider, record.Model, record.UserId ?? "", record.AppId ?? "", record.CallType, record.TeamId ?? "", new UsageFigures());
    }
}
