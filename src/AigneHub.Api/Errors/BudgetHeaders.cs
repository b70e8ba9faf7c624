namespace AigneHub.Api.Errors;

/// <summary>
/// The spend-budget headers: <c>x-aignehub-budget-remaining</c> (US dollars left in the tightest budget's window, a
/// decimal) and <c>x-aignehub-budget-reset</c> (when that window ends, RFC 3339 UTC; absent for a budget that never resets).
/// </summary>
internal static class BudgetHeaders
{
    public const string Remaining = "x-aignehub-budget-remaining";

    public const string Reset = "x-aignehub-budget-reset";

    public static IReadOnlyDictionary<string, string> For(decimal remainingUsd, DateTimeOffset? resetsAt)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Remaining] = Math.Max(0m, remainingUsd).ToString("0.########", CultureInfo.InvariantCulture),
        };
        if (resetsAt is { } reset)
        {
            headers[Reset] = reset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        return headers;
    }
}
