namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// What this instance has learned about credentials from their upstreams, applied at once to routing: a refused
/// credential (401/403) gets no more calls, and a rate-limited one (429) gets a quarter of its weight until its
/// cool-down ends. The refusal is also persisted (as a CredentialDisabled event) so other instances and operators see
/// it; the cool-down is local and short-lived on purpose.
/// </summary>
internal sealed class CredentialHealth(TimeProvider time)
{
    public static readonly TimeSpan DefaultCoolDown = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _coolingUntil = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);

    public int EffectiveWeight(string credentialId, int weight)
    {
        if (_refused.ContainsKey(credentialId))
        {
            return 0;
        }

        if (_coolingUntil.TryGetValue(credentialId, out var until))
        {
            if (time.GetUtcNow() < until)
            {
                return Math.Max(1, weight / 4);
            }

            _coolingUntil.TryRemove(new KeyValuePair<string, DateTimeOffset>(credentialId, until));
        }

        return weight;
    }

    /// <summary>Records an upstream failure of a credential; true when the credential was refused (and must be disabled).</summary>
    public bool Report(string credentialId, ErrorKind kind, TimeSpan? retryAfter)
    {
        switch (kind)
        {
            case ErrorKind.UpstreamAuth:
                return _refused.TryAdd(credentialId, 0);
            case ErrorKind.UpstreamRateLimited:
                var coolDown = retryAfter is { } wait && wait > TimeSpan.Zero && wait < TimeSpan.FromMinutes(10) ? wait : DefaultCoolDown;
                _coolingUntil[credentialId] = time.GetUtcNow() + coolDown;
                return false;
            default:
                return false;
        }
    }

    /// <summary>Forgets a refusal once the credential is enabled again (by an operator or the re-check).</summary>
    public void Revived(string credentialId) => _refused.TryRemove(credentialId, out _);
}
