namespace AigneHub.Domain.Audit.Events;

/// <summary>
/// Something an operator, a user or the hub did to configuration, keys, roles or credentials, or a refusal worth
/// keeping. One stream per entry (keyed by its id), so recording never contends with anything.
/// </summary>
/// <param name="Kind">What happened, e.g. "CreateAccessKey", "RegisterProvider", "IpDenied".</param>
/// <param name="Target">What it happened to, e.g. "key:0123456789abcdef", "provider:openai", "user:usr_…".</param>
/// <param name="Before">The target as the admin API showed it before (secrets masked); null when it did not exist.</param>
/// <param name="After">The target as shown after; null for a refusal or a failure.</param>
/// <param name="Outcome">"succeeded", or "failed: …" / "refused: …" with the reason shown to the caller.</param>
/// <param name="At">When it happened; for refusals counted together, when the last of them happened.</param>
/// <param name="Count">
/// How many times it happened: 1, except for refusals of one kind from one address for one reason within one minute,
/// which are counted into one entry (the first of them is an entry of its own, written at once). Entries written
/// before counting existed have none, which reads as 1.
/// </param>
public sealed record AuditEntryRecorded(
    Guid EntryId,
    string Actor,
    string Kind,
    string Target,
    string? Before,
    string? After,
    string Outcome,
    string? Address,
    string? CorrelationId,
    DateTimeOffset At,
    int Count = 1);
