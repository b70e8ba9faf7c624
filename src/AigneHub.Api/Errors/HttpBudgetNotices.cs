using AigneHub.Application.Budgets;

namespace AigneHub.Api.Errors;

/// <summary>
/// Puts the tightest spend budget's remaining amount and reset time on the response of an admitted model call
/// (<see cref="BudgetHeaders"/>). Admission runs before the first byte of the answer, so the headers can still be set;
/// a call whose response has already started (never, today) simply goes without them.
/// </summary>
internal sealed class HttpBudgetNotices(IHttpContextAccessor accessor) : IBudgetNotices
{
    public void Admitted(ReservedWindow tightest)
    {
        if (accessor.HttpContext?.Response is { HasStarted: false } response)
        {
            foreach (var (name, value) in BudgetHeaders.For(tightest.RemainingUsd, tightest.ResetsAt))
            {
                response.Headers[name] = value;
            }
        }
    }
}
