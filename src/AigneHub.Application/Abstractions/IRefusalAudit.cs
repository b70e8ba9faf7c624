namespace AigneHub.Application.Abstractions;

/// <summary>
/// Refusals made at the edge (an address the IP rules deny, a key that does not authenticate) for the audit trail.
/// Repeated refusals are coalesced so that a flood of them cannot flood the trail: refusals of one kind, target and
/// reason from one client address within one minute become one entry with their count — the first is written at
/// once, the rest when the minute is over (or the hub stops), so no refusal goes uncounted.
/// </summary>
public interface IRefusalAudit
{
    /// <param name="kind">e.g. "IpDenied", "KeyRefused".</param>
    /// <param name="target">e.g. "address:203.0.113.7", "key:0123456789abcdef".</param>
    /// <param name="outcome">"refused: " and the reason the caller was given.</param>
    Task RefusedAsync(string kind, string target, string outcome);
}
