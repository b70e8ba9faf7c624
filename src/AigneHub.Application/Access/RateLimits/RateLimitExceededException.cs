namespace AigneHub.Application.Access.RateLimits;

/// <summary>The caller used up a per-key or per-user limit (429 with Retry-After and x-ratelimit-* headers).</summary>
public sealed class RateLimitExceededException(string message, RateAdmission admission) : HubException(Domain.Usage.ErrorKind.RateLimited, message)
{
    public RateAdmission Admission { get; } = admission;
}
