namespace AigneHub.Application.EventSourcing;

/// <summary>
/// A stream as callers are told about it: its id, how the hub names it in a sentence ("The provider 'openai'"), and
/// which request field and words to use when it does not exist.
/// </summary>
/// <param name="Plural">The name is plural ("The billing settings"), so the sentences say "are" and "them".</param>
internal sealed record StreamSubject(string Id, string Name, string MissingField, string MissingMessage, string? ExistsMessage = null, bool Plural = false)
{
    private string It => Plural ? "them" : "it";

    public string AlreadyExists => ExistsMessage ?? $"{Name} already exists.";

    public string Raced => $"{Name} {(Plural ? "were" : "was")} changed by someone else; read {It} again and retry.";

    public string KeptChanging => $"{Name} kept changing while the hub wrote to {It}; try again.";

    public string Stale(long actual, long expected) => $"{Name} {(Plural ? "are" : "is")} at version {actual}, not {expected}: read {It} again and retry.";

    public ResourceNotFoundException Missing() => new(MissingField, MissingMessage);
}
