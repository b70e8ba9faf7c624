namespace AigneHub.Domain.Usage;

/// <summary>
/// A model of a call's fallback chain that did not serve it, and why: it failed (<see cref="Reason"/> is the failure
/// that moved the call on: rate_limited, server_error, timeout, content_filter, context_length), or it was never
/// tried (not_allowed by the key's model allow-list, not_available on this hub, no_rate to bill it with).
/// </summary>
/// <param name="Model">The model as the chain names it ("provider/model" or a bare name).</param>
public sealed record ModelSkip(string Model, string Reason)
{
    public const string NotAllowed = "not_allowed";

    public const string NotAvailable = "not_available";

    public const string NoRate = "no_rate";
}
