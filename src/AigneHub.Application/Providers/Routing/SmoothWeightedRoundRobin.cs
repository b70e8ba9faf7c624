namespace AigneHub.Application.Providers.Routing;

/// <summary>
/// Smooth weighted round-robin (as nginx balances upstreams): over any run of calls each member's share follows its
/// weight, and heavy members are interleaved with light ones instead of being picked in bursts. Each pick adds every
/// member's weight to its running score, takes the highest, and subtracts the total from the winner. Thread-safe.
/// </summary>
public sealed class SmoothWeightedRoundRobin<T>
{
    private readonly T[] _members;
    private readonly int[] _weights;
    private readonly long[] _current;
    private readonly Lock _gate = new();

    public SmoothWeightedRoundRobin(IReadOnlyList<(T Member, int Weight)> members)
    {
        if (members.Count == 0)
        {
            throw new ArgumentException("At least one member is needed.", nameof(members));
        }

        _members = members.Select(m => m.Member).ToArray();
        _weights = members.Select(m => m.Weight > 0 ? m.Weight : throw new ArgumentException("Weights must be positive.", nameof(members))).ToArray();
        _current = new long[_members.Length];
    }

    public int Count => _members.Length;

    /// <summary>
    /// The members in the order to try them for one call: the round-robin pick first, then the others by weight, so a
    /// failover goes to the next-best member. <paramref name="effectiveWeight"/> lets the caller lower a member's weight
    /// for a while (a rate-limited credential cooling down) or exclude it (0).
    /// </summary>
    public IReadOnlyList<T> Order(Func<T, int, int>? effectiveWeight = null)
    {
        Span<int> weights = _members.Length <= 64 ? stackalloc int[_members.Length] : new int[_members.Length];
        long total = 0;
        for (var i = 0; i < _members.Length; i++)
        {
            weights[i] = Math.Max(0, effectiveWeight?.Invoke(_members[i], _weights[i]) ?? _weights[i]);
            total += weights[i];
        }

        if (total == 0)
        {
            return [];
        }

        int chosen;
        lock (_gate)
        {
            chosen = -1;
            for (var i = 0; i < _members.Length; i++)
            {
                if (weights[i] == 0)
                {
                    continue;
                }

                _current[i] += weights[i];
                if (chosen < 0 || _current[i] > _current[chosen])
                {
                    chosen = i;
                }
            }

            _current[chosen] -= total;
        }

        var order = new List<T>(_members.Length) { _members[chosen] };
        var rest = new List<(T Member, int Weight)>(_members.Length);
        for (var i = 0; i < _members.Length; i++)
        {
            if (i != chosen && weights[i] > 0)
            {
                rest.Add((_members[i], weights[i]));
            }
        }

        order.AddRange(rest.OrderByDescending(r => r.Weight).Select(r => r.Member));
        return order;
    }
}
