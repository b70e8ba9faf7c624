namespace AigneHub.Domain.Billing;

/// <summary>
/// A user's credit account as its ledger stream says. <see cref="Balance"/> is what the account owns (the unused parts
/// of its grants); <see cref="Held"/> is reserved by calls in flight; <see cref="Available"/> is what a new call may
/// hold. Spending and negative adjustments use the grants that expire first. Built only by Create/Apply; decisions
/// are in <see cref="CreditLedger"/>.
/// </summary>
public sealed class CreditAccount
{
    private readonly List<GrantState> _grants = [];
    private readonly List<HoldState> _holds = [];
    private readonly List<LeaseState> _leases = [];
    private readonly Dictionary<string, Settlement> _settled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _settledAt = new(StringComparer.Ordinal);

    /// <summary>
    /// How long a settled call id is remembered. Holds live minutes and the recovery job settles expired ones within
    /// minutes more, so a duplicate settlement of a call arrives long before this; after it, the id is forgotten and a
    /// (theoretical) very late duplicate is refused as an unknown hold, which charges nothing either. The settlement
    /// index (<see cref="CallSettlement"/>) keeps settlements this long.
    /// </summary>
    public static readonly TimeSpan SettledRetention = TimeSpan.FromHours(24);

    /// <summary>The stream key: "account:{userId}".</summary>
    public string Id { get; set; } = string.Empty;

    public int Version { get; set; }

    public string UserId { get; private set; } = string.Empty;

    public DateTimeOffset OpenedAt { get; private set; }

    public decimal Balance { get; private set; }

    public decimal Held { get; private set; }

    public decimal Available => Balance - Held;

    public decimal TotalGranted { get; private set; }

    public decimal TotalSpent { get; private set; }

    public decimal TotalExpired { get; private set; }

    /// <summary>Costs the account could not cover (captured calls that cost more than was left).</summary>
    public decimal TotalUncollected { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Grants with credits left (and every grant with a reference, a payment id or idempotency key, which keeps repeats idempotent).</summary>
    public IReadOnlyList<GrantState> Grants
    {
        get => _grants;
        private set
        {
            _grants.Clear();
            _grants.AddRange(value);
        }
    }

    public IReadOnlyList<HoldState> Holds
    {
        get => _holds;
        private set
        {
            _holds.Clear();
            _holds.AddRange(value);
        }
    }

    /// <summary>The balance leases of hub instances (ADR 0024): part of <see cref="Held"/>.</summary>
    public IReadOnlyList<LeaseState> Leases
    {
        get => _leases;
        private set
        {
            _leases.Clear();
            _leases.AddRange(value);
        }
    }

    /// <summary>
    /// How each settled call ended, by call id: what makes capture and release idempotent. Not stored with the account
    /// (its document would grow with every call): the settlements of this state's own events, plus those a writer
    /// loaded from the settlement index (<see cref="Remember"/>).
    /// </summary>
    public IReadOnlyDictionary<string, Settlement> Settled
    {
        get => _settled;
        private set
        {
            _settled.Clear();
            foreach (var (key, settlement) in value)
            {
                _settled[key] = settlement;
            }
        }
    }

    /// <summary>When each remembered settled call was settled (ids settled before this was kept get the next event's time).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> SettledAt
    {
        get => _settledAt;
        private set
        {
            _settledAt.Clear();
            foreach (var (key, at) in value)
            {
                _settledAt[key] = at;
            }
        }
    }

    /// <summary>The last time settled ids older than <see cref="SettledRetention"/> were forgotten.</summary>
    public DateTimeOffset SettledPrunedAt { get; private set; }

    /// <summary>
    /// Tells this state how a call was settled, as the settlement index (<see cref="CallSettlement"/>) says: the stored
    /// account keeps no per-call history, so a writer loads the settlements of the calls it decides on and hands them
    /// over before deciding (a second capture of a captured call is then a no-op, a capture after release charges).
    /// </summary>
    public void Remember(CallSettlement settlement)
    {
        _settled[settlement.Id] = settlement.Settlement;
        _settledAt[settlement.Id] = settlement.At;
    }

    /// <summary>
    /// A copy that later Apply calls do not share: a writer deciding several changes in one transaction evolves the
    /// copy, while Marten applies the appended events to the original it fetched.
    /// </summary>
    public CreditAccount Copy()
    {
        var copy = new CreditAccount
        {
            Id = Id,
            Version = Version,
            UserId = UserId,
            OpenedAt = OpenedAt,
            Balance = Balance,
            Held = Held,
            TotalGranted = TotalGranted,
            TotalSpent = TotalSpent,
            TotalExpired = TotalExpired,
            TotalUncollected = TotalUncollected,
            UpdatedAt = UpdatedAt,
            SettledPrunedAt = SettledPrunedAt,
        };
        copy._grants.AddRange(_grants);
        copy._holds.AddRange(_holds);
        copy._leases.AddRange(_leases);
        foreach (var (id, settlement) in _settled)
        {
            copy._settled[id] = settlement;
        }

        foreach (var (id, at) in _settledAt)
        {
            copy._settledAt[id] = at;
        }

        return copy;
    }

    public static string StreamIdFor(string userId) => $"account:{userId}";

    public HoldState? Hold(string callId) => _holds.Find(h => h.CallId == callId);

    public LeaseState? Lease(string leaseId) => _leases.Find(l => l.LeaseId == leaseId);

    public static CreditAccount Create(CreditAccountOpened e) => new()
    {
        Id = StreamIdFor(e.UserId),
        UserId = e.UserId,
        OpenedAt = e.At,
        UpdatedAt = e.At,
    };

    public void Apply(CreditsGranted e)
    {
        _grants.Add(new GrantState(e.GrantId, e.Source, e.Amount, e.Amount, e.ExpiresAt, e.Reference, e.At));
        Balance += e.Amount;
        TotalGranted += e.Amount;
        UpdatedAt = e.At;
    }

    public void Apply(CreditsHeld e)
    {
        _holds.Add(new HoldState(e.CallId, e.Amount, e.Model, e.ExpiresAt, e.At));
        Held += e.Amount;
        UpdatedAt = e.At;
    }

    public void Apply(HoldCaptured e)
    {
        if (e.LeaseId is { } leaseId)
        {
            DrawLease(leaseId, e.HoldAmount);
        }
        else
        {
            RemoveHold(e.CallId);
        }

        Consume(e.Amount);
        TotalSpent += e.Amount;
        TotalUncollected += e.Uncollected;
        Settle(e.CallId, Settlement.Captured, e.At);
        UpdatedAt = e.At;
    }

    public void Apply(HoldReleased e)
    {
        RemoveHold(e.CallId);
        Settle(e.CallId, Settlement.Released, e.At);
        UpdatedAt = e.At;
    }

    public void Apply(BalanceLeased e)
    {
        var index = _leases.FindIndex(l => l.LeaseId == e.LeaseId);
        if (index >= 0)
        {
            _leases[index] = _leases[index] with { Amount = _leases[index].Amount + e.Amount, ExpiresAt = e.ExpiresAt };
        }
        else
        {
            _leases.Add(new LeaseState(e.LeaseId, e.Owner, e.Amount, e.ExpiresAt, e.At));
        }

        Held += e.Amount;
        UpdatedAt = e.At;
    }

    public void Apply(LeaseReturned e)
    {
        DrawLease(e.LeaseId, e.Amount);
        var index = _leases.FindIndex(l => l.LeaseId == e.LeaseId);
        if (index >= 0 && _leases[index].Amount <= 0)
        {
            _leases.RemoveAt(index);
        }

        UpdatedAt = e.At;
    }

    public void Apply(GrantExpired e)
    {
        var index = _grants.FindIndex(g => g.GrantId == e.GrantId);
        if (index >= 0)
        {
            _grants[index] = _grants[index] with { Remaining = _grants[index].Remaining - e.Amount };
        }

        Balance -= e.Amount;
        TotalExpired += e.Amount;
        Prune();
        UpdatedAt = e.At;
    }

    public void Apply(CreditsAdjusted e)
    {
        if (e.Amount > 0)
        {
            _grants.Add(new GrantState(e.AdjustmentId, GrantSource.Admin, e.Amount, e.Amount, null, null, e.At));
            Balance += e.Amount;
        }
        else
        {
            Consume(-e.Amount);
        }

        UpdatedAt = e.At;
    }

    /// <summary>
    /// Remembers how a call was settled, and at most once an hour (by event time, so a replay prunes identically)
    /// forgets calls settled more than <see cref="SettledRetention"/> before.
    /// </summary>
    private void Settle(string callId, Settlement settlement, DateTimeOffset at)
    {
        _settled[callId] = settlement;
        _settledAt[callId] = at;
        if (at - SettledPrunedAt < TimeSpan.FromHours(1))
        {
            return;
        }

        foreach (var id in _settled.Keys.Where(id => !_settledAt.ContainsKey(id)).ToList())
        {
            _settledAt[id] = at; // remembered before times were kept: forgotten a retention period from now
        }

        foreach (var (id, settledAt) in _settledAt.Where(s => at - s.Value > SettledRetention).ToList())
        {
            _settled.Remove(id);
            _settledAt.Remove(id);
        }

        SettledPrunedAt = at;
    }

    /// <summary>Takes <paramref name="amount"/> out of a lease (and so out of the held total); an empty lease stays until returned.</summary>
    private void DrawLease(string leaseId, decimal amount)
    {
        var index = _leases.FindIndex(l => l.LeaseId == leaseId);
        if (index >= 0)
        {
            _leases[index] = _leases[index] with { Amount = _leases[index].Amount - amount };
            Held -= amount;
        }
    }

    private void RemoveHold(string callId)
    {
        var index = _holds.FindIndex(h => h.CallId == callId);
        if (index >= 0)
        {
            Held -= _holds[index].Amount;
            _holds.RemoveAt(index);
        }
    }

    /// <summary>Takes credits from the grants that expire first (never-expiring ones last), oldest first among equals.</summary>
    private void Consume(decimal amount)
    {
        Balance -= amount;
        var order = _grants
            .Select((grant, index) => (grant, index))
            .Where(g => g.grant.Remaining > 0)
            .OrderBy(g => g.grant.ExpiresAt ?? DateTimeOffset.MaxValue)
            .ThenBy(g => g.grant.GrantedAt)
            .Select(g => g.index)
            .ToList();
        foreach (var index in order)
        {
            if (amount <= 0)
            {
                break;
            }

            var take = Math.Min(amount, _grants[index].Remaining);
            _grants[index] = _grants[index] with { Remaining = _grants[index].Remaining - take };
            amount -= take;
        }

        Prune();
    }

    /// <summary>Forgets used-up grants, except those with a reference (payment id, idempotency key): they keep repeats from granting twice.</summary>
    private void Prune() => _grants.RemoveAll(g => g.Remaining <= 0 && g.Reference is null);
}

public sealed record GrantState(Guid GrantId, GrantSource Source, decimal Amount, decimal Remaining, DateTimeOffset? ExpiresAt, string? Reference, DateTimeOffset GrantedAt);

/// <param name="Amount">What is left of the lease: held credits its owner serves calls from.</param>
public sealed record LeaseState(string LeaseId, string Owner, decimal Amount, DateTimeOffset ExpiresAt, DateTimeOffset LeasedAt);

public sealed record HoldState(string CallId, decimal Amount, string Model, DateTimeOffset ExpiresAt, DateTimeOffset HeldAt);

public enum Settlement
{
    Captured,
    Released,
}
