namespace AigneHub.Application.Budgets;

/// <summary>
/// Reserves a call's most expensive outcome in US dollars on the spend budgets that apply to its caller, when the
/// call is held (<see cref="CallBilling"/>), in both billing modes: the prompt bound and the output the call may produce
/// (its max_tokens, else the default hold size, which a chat call is then sent as max_tokens so the reservation stays a
/// ceiling) at the dearest unit costs among the providers and fallback models that may serve it. A model without unit
/// costs costs nothing here, as in its call record.
/// </summary>
internal sealed class BudgetAdmission(ISpendBudgets budgets, BillingCache cache, IBudgetNotices notices)
{
    /// <summary>The reservation, and the output tokens per choice it pays for (null when no budget applies or the call has no output tokens).</summary>
    public async Task<(BudgetReservation Reservation, int? OutputTokenLimit)> ReserveAsync(
        Caller? caller, CallEstimate estimate, int defaultOutputTokens, CancellationToken cancellationToken)
    {
        if (!budgets.Applies(caller))
        {
            return (BudgetReservation.None, null);
        }

        var rates = new List<ModelRate>();
        foreach (var (model, providers) in estimate.Fallbacks.Select(f => (f.Model, f.Providers)).Prepend((estimate.Model, estimate.Providers)))
        {
            foreach (var provider in providers)
            {
                if (await cache.RateAsync(estimate.Type, provider, model, cancellationToken) is { } rate)
                {
                    rates.Add(rate);
                }
            }
        }

        var prompt = estimate.Fallbacks.Select(f => f.PromptTokens).Append(estimate.PromptTokens.Tokens).Max() * estimate.Choices;
        int? output = estimate.Type == CallType.Chat ? estimate.MaxOutputTokens ?? defaultOutputTokens : null;
        var images = estimate.Type == CallType.Image ? estimate.MaxOutputTokens ?? 1 : 0;
        var usage = new TokenUsage(prompt, (output ?? 0) * estimate.Choices);
        var ceiling = rates.Select(r => RateDecisions.CostUsd(r, usage, images) ?? 0m).DefaultIfEmpty(0m).Max();
        var reservation = await budgets.ReserveAsync(caller, ceiling, estimate.CallId, cancellationToken);
        if (reservation.Tightest is { } tightest)
        {
            notices.Admitted(tightest);
        }

        return (reservation, output);
    }

    public Task SettleAsync(BudgetReservation reservation, decimal costUsd, CancellationToken cancellationToken) =>
        budgets.SettleAsync(reservation, costUsd, cancellationToken);
}

/// <summary>Tells the caller, where the surface can (response headers), what the tightest budget has left after admission.</summary>
public interface IBudgetNotices
{
    void Admitted(ReservedWindow tightest);
}

/// <summary>For hosts without a response to annotate.</summary>
internal sealed class NoBudgetNotices : IBudgetNotices
{
    public void Admitted(ReservedWindow tightest)
    {
    }
}
