namespace AigneHub.Application.Abstractions;

/// <summary>Appends audit entries (who, what, before/after, when, from where, correlation id).</summary>
public interface IAuditTrail
{
    Task RecordAsync(string kind, string target, string? before, string? after, string outcome, CancellationToken cancellationToken);
}

/// <summary>Where the current request came from, as the edge saw it; empty outside a request.</summary>
public interface IRequestOrigin
{
    string? Address { get; }

    string? CorrelationId { get; }
}

/// <summary>A command whose effect goes into the audit trail, with the target's state before and after.</summary>
public interface IAuditedCommand
{
    /// <summary>"provider:&lt;name&gt;", "key:&lt;key id&gt;", "user:&lt;user id&gt;", or "secrets" for the key ring.</summary>
    string AuditTarget { get; }
}
