namespace AigneHub.Domain.Budgets;

/// <summary>
/// A limit in US dollars on what the calls of one subject (the whole hub, a user, an access key, a team) may cost per
/// period, counted from the call costs the hub computes from rates' unit costs (so it holds in enterprise mode too).
/// Stored as a document whose id is <see cref="IdOf"/> of its subject: one budget per subject.
/// </summary>
public sealed record SpendBudget
{
    public required string Id { get; init; }

    public required BudgetScope Scope { get; init; }

    /// <summary>The user, key or team id; empty for the hub-wide budget.</summary>
    public required string SubjectId { get; init; }

    /// <summary>The hard limit: a call that could take the window's spend past it is refused.</summary>
    public required decimal LimitUsd { get; init; }

    /// <summary>The soft threshold: when a window's spend reaches it, the hub notifies once (audit entry and webhook); null for none.</summary>
    public decimal? SoftLimitUsd { get; init; }

    public required BudgetPeriod Period { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required string UpdatedBy { get; init; }

    /// <summary>
    /// The field, as the API names it, in which <paramref name="next"/> would limit less than this budget; null when it
    /// limits at least as much. A higher <c>limit_usd</c>; another <c>period</c> (a window's counter is keyed by its
    /// start, so a new period counts the current window from zero, and a shorter one also starts again more often); a
    /// <c>soft_limit_usd</c> raised or removed while the new limit still lets spend reach this one's (its alert would
    /// come later, or never).
    /// </summary>
    public string? LoosenedIn(SpendBudget next)
    {
        if (next.LimitUsd > LimitUsd)
        {
            return "limit_usd";
        }

        if (next.Period != Period)
        {
            return "period";
        }

        return SoftLimitUsd is { } soft && next.LimitUsd >= soft && (next.SoftLimitUsd is null || next.SoftLimitUsd > soft) ? "soft_limit_usd" : null;
    }

    public static string IdOf(BudgetScope scope, string subjectId) => scope switch
    {
        BudgetScope.Hub => "hub",
        _ => $"{scope.ToString().ToLowerInvariant()}:{subjectId}",
    };
}

/// <summary>What a budget limits: the whole hub, one user, one access key, or one team (the calls of its keys).</summary>
public enum BudgetScope
{
    Hub,
    User,
    Key,
    Team,
}
