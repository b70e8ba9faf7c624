namespace AigneHub.Domain.Providers;

/// <summary>
/// When a credential the hub disabled because its upstream refused it (401/403) is checked again: first one
/// <see cref="Backoff.First"/> after it was disabled, then after each failed check twice as long as before, never more
/// than <see cref="Backoff.Max"/> apart. A credential an operator disabled is theirs to enable: it is never re-checked.
/// </summary>
public static class CredentialRecheck
{
    /// <summary>The actor of what the hub does by itself (disabling a refused credential, reviving it).</summary>
    public const string SystemActor = "system";

    /// <summary>Whether the credential is one the re-check may revive.</summary>
    public static bool IsRevivable(ProviderCredentialState credential) =>
        !credential.Enabled
        && credential.DisabledBy == SystemActor
        && credential.DisabledByStatus is 401 or 403
        && credential.DisabledAt is not null;

    /// <summary>When the credential's next re-check is due, or null when it is not <see cref="IsRevivable"/>.</summary>
    public static DateTimeOffset? DueAt(ProviderCredentialState credential, Backoff backoff)
    {
        if (!IsRevivable(credential))
        {
            return null;
        }

        var disabledAt = credential.DisabledAt!.Value;
        var lastCheck = credential.LastTestedAt is { } tested && tested > disabledAt ? tested : disabledAt;
        return lastCheck + backoff.After(credential.FailedRechecks);
    }

    public static bool IsDue(ProviderCredentialState credential, Backoff backoff, DateTimeOffset now) =>
        DueAt(credential, backoff) is { } due && now >= due;

    /// <summary>The wait before a re-check: <paramref name="First"/> doubled per failed check, capped at <paramref name="Max"/>.</summary>
    public sealed record Backoff(TimeSpan First, TimeSpan Max)
    {
        public static Backoff Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

        public TimeSpan After(int failedChecks)
        {
            // Past 2^30 any sensible first wait has long exceeded any sensible cap; stop doubling before it overflows.
            if (failedChecks >= 30)
            {
                return Max;
            }

            var wait = First * Math.Pow(2, Math.Max(0, failedChecks));
            return wait < Max ? wait : Max;
        }
    }
}
