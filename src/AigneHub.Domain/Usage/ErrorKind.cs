namespace AigneHub.Domain.Usage;

/// <summary>Why a call failed, in the hub's own terms; every surface maps these to its own error shape.</summary>
public enum ErrorKind
{
    None,

    /// <summary>The request broke a validation rule.</summary>
    InvalidRequest,

    /// <summary>No configured provider serves the requested model.</summary>
    ModelNotFound,

    /// <summary>The provider refused the hub's credential (upstream 401/403).</summary>
    UpstreamAuth,

    /// <summary>The provider rate-limited the call (upstream 429).</summary>
    UpstreamRateLimited,

    /// <summary>The provider failed or could not be reached (upstream 5xx, connection error, malformed answer).</summary>
    UpstreamUnavailable,

    /// <summary>The provider did not answer in time.</summary>
    UpstreamTimeout,

    /// <summary>The provider rejected the request as invalid (upstream 400/404/413/422).</summary>
    UpstreamRejected,

    /// <summary>The client cancelled or disconnected.</summary>
    Cancelled,

    /// <summary>A fault inside the hub.</summary>
    Internal,

    /// <summary>The thing the request names does not exist (an unregistered provider, an unknown credential).</summary>
    NotFound,

    /// <summary>The request clashes with the current state: a stale expected version, or something that already exists.</summary>
    Conflict,

    /// <summary>The caller's credit account cannot afford the call (credits mode).</summary>
    InsufficientCredits,

    /// <summary>The caller did not say who they are, or the credential is unknown, revoked or expired (401).</summary>
    Unauthenticated,

    /// <summary>The caller is known but may not do this (403): a scope, role, model or address rule.</summary>
    PermissionDenied,

    /// <summary>The caller used up one of the hub's own limits (429), not the provider's.</summary>
    RateLimited,

    /// <summary>The hub itself is saturated (its database or credit ledger cannot take more just now): 503 with Retry-After.</summary>
    Overloaded,

    /// <summary>A spend budget (the hub's, the user's or the key's) has too little left for the call (402).</summary>
    BudgetExceeded,
}
