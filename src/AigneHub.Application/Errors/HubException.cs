namespace AigneHub.Application.Errors;

/// <summary>
/// A failure the hub expects and can explain to the caller. Messages are safe to show: they never carry a secret,
/// a prompt or an upstream body verbatim.
/// </summary>
public abstract class HubException(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;
}

public sealed record FieldViolation(string Field, string Description);

public sealed class RequestValidationException(IReadOnlyList<FieldViolation> violations)
    : HubException(ErrorKind.InvalidRequest, violations.Count > 0 ? violations[0].Description : "The request is invalid.")
{
    public IReadOnlyList<FieldViolation> Violations { get; } = violations;
}

public sealed class ModelNotFoundException(string model, string message) : HubException(ErrorKind.ModelNotFound, message)
{
    public string Model { get; } = model;
}

/// <summary>A provider call failed. <see cref="IsRetryable"/> tells whether another credential or provider may succeed.</summary>
public sealed class UpstreamException(
    ErrorKind kind,
    string provider,
    string message,
    int? upstreamStatus = null,
    TimeSpan? retryAfter = null,
    Exception? inner = null)
    : HubException(kind, message, inner)
{
    public string Provider { get; } = provider;

    public int? UpstreamStatus { get; } = upstreamStatus;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The credential the failed attempt used, when the provider's targets named it (<see cref="WithCredential"/>).</summary>
    public string? CredentialId { get; private set; }

    public bool IsRetryable => Kind is ErrorKind.UpstreamRateLimited or ErrorKind.UpstreamUnavailable or ErrorKind.UpstreamTimeout or ErrorKind.UpstreamAuth;

    /// <summary>
    /// Names the credential the failed attempt used, unless a layer nearer the upstream already did; returns false, so it
    /// can note the credential in an exception filter without catching.
    /// </summary>
    public bool WithCredential(string credentialId)
    {
        CredentialId ??= credentialId;
        return false;
    }
}

public sealed class ResourceNotFoundException(string field, string message) : HubException(ErrorKind.NotFound, message)
{
    public string Field { get; } = field;
}

/// <summary>A stale expected version or a clash with what exists: the caller should read again and retry.</summary>
public sealed class ConflictException(string message) : HubException(ErrorKind.Conflict, message);

/// <summary>
/// The hub cannot take the call just now (its credit ledger's queue is full, or its database refused a connection): a
/// client should retry after <see cref="RetryAfter"/>. Nothing was held or charged for the call (but see
/// <see cref="LedgerOutcomeUnknownException"/>).
/// </summary>
public class ServiceBusyException(string message, TimeSpan retryAfter, Exception? inner = null) : HubException(ErrorKind.Overloaded, message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Answered as busy, but the credit ledger could not find out whether it wrote the change: its commit's answer was
/// lost, and no retry could read the commit's mark (ADR 0027) before the hub gave up or stopped. The change may have
/// been written.
/// </summary>
public sealed class LedgerOutcomeUnknownException(string message, TimeSpan retryAfter, Exception? inner = null) : ServiceBusyException(message, retryAfter, inner);
