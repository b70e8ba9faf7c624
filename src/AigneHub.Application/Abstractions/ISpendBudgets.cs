using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// The spend budgets' counters, shared by every hub instance: a call reserves its estimated cost in the current window
/// of every budget that applies to it (hub, user, key) before any provider is called, and settles its exact cost when it
/// ends. A reservation that would take any of them past its limit is refused as a whole, so concurrent calls can never
/// overshoot a budget.
/// </summary>
public interface ISpendBudgets
{
    /// <summary>Whether any budget applies to calls of <paramref name="caller"/> (answered from memory).</summary>
    bool Applies(Caller? caller);

    /// <summary>Reads the budgets again now (after a change on this instance; others pick it up within their refresh interval).</summary>
    Task ReloadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reserves <paramref name="estimateUsd"/> on every budget of <paramref name="caller"/> (and the hub's) for call
    /// <paramref name="callId"/>; throws <see cref="BudgetExceededException"/> when one has not that much left. Returns
    /// <see cref="BudgetReservation.None"/> when no budget applies. The reservation is owned by this instance, which
    /// renews its lease until it is settled; once the lease lapses (the instance died) <see cref="ReleaseLapsedAsync"/>
    /// gives it back.
    /// </summary>
    Task<BudgetReservation> ReserveAsync(Caller? caller, decimal estimateUsd, string callId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the reservation by the call's exact cost (zero for a call that failed) in the windows it was made in; a
    /// reservation already released by <see cref="ReleaseLapsedAsync"/> is not given back twice, but the cost still counts.
    /// </summary>
    Task SettleAsync(BudgetReservation reservation, decimal costUsd, CancellationToken cancellationToken);

    /// <summary>Gives back the reservations whose owner stopped renewing their lease (its instance died mid-call).</summary>
    Task<ReservationRecovery> ReleaseLapsedAsync(CancellationToken cancellationToken);

    /// <summary>What is spent, reserved and left of each budget in its current window, and when it resets.</summary>
    Task<IReadOnlyList<BudgetStatus>> StatusAsync(IReadOnlyList<SpendBudget> budgets, CancellationToken cancellationToken);
}

/// <summary>A call's reservation on the windows of the budgets that apply to it; the tightest for the response headers.</summary>
/// <param name="CallId">The call that reserved: its reservation rows in the shared store are keyed by it (empty for <see cref="None"/>).</param>
public sealed record BudgetReservation(string CallId, decimal EstimateUsd, IReadOnlyList<ReservedWindow> Windows)
{
    public static readonly BudgetReservation None = new(string.Empty, 0m, []);

    /// <summary>The budget with the least left after this reservation; null when none applies.</summary>
    public ReservedWindow? Tightest => Windows.Count == 0 ? null : Windows.MinBy(w => w.RemainingUsd);
}

/// <param name="RemainingUsd">What the budget has left once this call's reservation is counted.</param>
/// <param name="ResetsAt">When the window ends; null for a budget that never resets.</param>
public sealed record ReservedWindow(string BudgetId, DateTimeOffset WindowStart, decimal LimitUsd, decimal? SoftLimitUsd, decimal RemainingUsd, DateTimeOffset? ResetsAt);

/// <param name="Reservations">Lapsed reservations given back.</param>
/// <param name="AmountUsd">What they had reserved, summed over their budgets.</param>
public sealed record ReservationRecovery(int Reservations, decimal AmountUsd);

/// <summary>A budget and its current window.</summary>
public sealed record BudgetStatus(SpendBudget Budget, DateTimeOffset WindowStart, decimal SpentUsd, decimal ReservedUsd, DateTimeOffset? ResetsAt)
{
    public decimal RemainingUsd => Math.Max(0m, Budget.LimitUsd - SpentUsd - ReservedUsd);
}

/// <summary>For hosts without the budgets' store (the Application alone): no budget applies, so nothing is limited.</summary>
internal sealed class NoSpendBudgets : ISpendBudgets
{
    public bool Applies(Caller? caller) => false;

    public Task ReloadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<BudgetReservation> ReserveAsync(Caller? caller, decimal estimateUsd, string callId, CancellationToken cancellationToken) =>
        Task.FromResult(BudgetReservation.None);

    public Task SettleAsync(BudgetReservation reservation, decimal costUsd, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ReservationRecovery> ReleaseLapsedAsync(CancellationToken cancellationToken) => Task.FromResult(new ReservationRecovery(0, 0m));

    public Task<IReadOnlyList<BudgetStatus>> StatusAsync(IReadOnlyList<SpendBudget> budgets, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BudgetStatus>>([]);
}
