namespace AigneHub.Application.Abstractions;

/// <summary>
/// Counts a caller's requests and tokens per minute, per key and per user, in one place every hub instance shares,
/// and says whether a new call fits.
/// </summary>
public interface IRateLimiter
{
    /// <summary>Counts the call (one request, <paramref name="estimatedTokens"/> tokens) if it fits every limit; refuses it otherwise.</summary>
    ValueTask<RateAdmission> AdmitAsync(Caller caller, int estimatedTokens, CancellationToken cancellationToken);

    /// <summary>Replaces the estimate with what the call really used, in the window it was admitted in.</summary>
    ValueTask CorrectAsync(Caller caller, RateAdmission admission, int actualTokens, CancellationToken cancellationToken);
}

/// <summary>The limit that is closest to running out (or was exceeded), for the x-ratelimit-* headers.</summary>
/// <param name="Window">The start of the one-minute window the call was counted in.</param>
public sealed record RateAdmission(
    bool Admitted,
    DateTimeOffset Window,
    int EstimatedTokens,
    int? LimitRequests,
    int? RemainingRequests,
    int? LimitTokens,
    int? RemainingTokens,
    TimeSpan ResetsIn,
    string? ExceededBy)
{
    public static RateAdmission Unlimited(DateTimeOffset window, int estimatedTokens) =>
        new(true, window, estimatedTokens, null, null, null, null, TimeSpan.Zero, null);
}
