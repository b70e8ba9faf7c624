namespace AigneHub.Domain.Providers;

/// <summary>A command that the provider's current state does not allow (e.g. removing an unknown credential).</summary>
/// <param name="Field">The request field the rule is about, so the edge can name it.</param>
/// <param name="IsConflict">The command clashes with what exists (already registered) rather than being wrong in itself.</param>
public sealed class ProviderRuleException(string field, string message, bool isConflict = false) : Exception(message)
{
    public string Field { get; } = field;

    public bool IsConflict { get; } = isConflict;
}
