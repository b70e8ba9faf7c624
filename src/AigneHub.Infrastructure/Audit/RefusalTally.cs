namespace AigneHub.Infrastructure.Audit;

/// <summary>
/// Counts refusals per bucket — kind, target, outcome, client address and the minute they fall in — in memory. The
/// first refusal of a bucket is to be written at once; the others only add to its count, which <see cref="TakeDue"/>
/// hands over once the minute is over (or at once, when the hub stops). Thread-safe. At most
/// <see cref="MaxBuckets"/> buckets are held: past that a refusal is not counted here and is written on its own, so
/// memory stays bounded whatever the number of sources and nothing goes uncounted.
/// </summary>
internal sealed class RefusalTally
{
    public const int MaxBuckets = 10_000;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<RefusalBucket, Pending> _buckets = [];

    /// <summary>Buckets held now, for tests and the bound.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Counts one refusal; true when it is the first of its bucket (or cannot be counted) and must be written now.</summary>
    public bool Note(string kind, string target, string outcome, string? address, DateTimeOffset at)
    {
        var bucket = new RefusalBucket(kind, target, outcome, address, Start(at));
        lock (_gate)
        {
            if (_buckets.TryGetValue(bucket, out var pending))
            {
                pending.Count++;
                pending.LastAt = at;
                return false;
            }

            if (_buckets.Count < MaxBuckets)
            {
                _buckets[bucket] = new Pending { LastAt = at };
            }

            return true;
        }
    }

    /// <summary>
    /// Removes the buckets whose minute is over by <paramref name="now"/> (all of them with <paramref name="everything"/>)
    /// and returns those that counted refusals after their first, with that count.
    /// </summary>
    public IReadOnlyList<(RefusalBucket Bucket, int Count, DateTimeOffset LastAt)> TakeDue(DateTimeOffset now, bool everything)
    {
        var due = new List<(RefusalBucket, int, DateTimeOffset)>();
        lock (_gate)
        {
            foreach (var (bucket, pending) in _buckets.ToList())
            {
                if (everything || bucket.MinuteStart + Window <= now)
                {
                    _buckets.Remove(bucket);
                    if (pending.Count > 0)
                    {
                        due.Add((bucket, pending.Count, pending.LastAt));
                    }
                }
            }
        }

        return due;
    }

    private static DateTimeOffset Start(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % Window.Ticks), TimeSpan.Zero);

    private sealed class Pending
    {
        /// <summary>Refusals after the first, which was written at once.</summary>
        public int Count { get; set; }

        public DateTimeOffset LastAt { get; set; }
    }
}

/// <summary>Refusals that are counted together: same kind, target, outcome and client address, in the same minute.</summary>
internal sealed record RefusalBucket(string Kind, string Target, string Outcome, string? Address, DateTimeOffset MinuteStart);
