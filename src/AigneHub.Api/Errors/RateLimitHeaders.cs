using AigneHub.Application.Access.RateLimits;

namespace AigneHub.Api.Errors;

/// <summary>OpenAI's x-ratelimit-* headers for the limit closest to running out.</summary>
internal static class RateLimitHeaders
{
    public static IReadOnlyDictionary<string, string> For(RateAdmission admission)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var reset = $"{Math.Max(1, (int)Math.Ceiling(admission.ResetsIn.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s";
        if (admission.LimitRequests is { } limitRequests)
        {
            headers["x-ratelimit-limit-requests"] = limitRequests.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-requests"] = (admission.RemainingRequests ?? 0).ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-requests"] = reset;
        }

        if (admission.LimitTokens is { } limitTokens)
        {
            headers["x-ratelimit-limit-tokens"] = limitTokens.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-tokens"] = (admission.RemainingTokens ?? 0).ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-tokens"] = reset;
        }

        return headers;
    }
}
