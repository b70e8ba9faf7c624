namespace AigneHub.Domain.Providers;

/// <summary>A command that the provider's current state does not allow (e.g. removing an unknown credential).</summary>
/// <param name="isConflict">The command clashes with what exists (already registered) rather than being wrong in itself.</param>
public sealed class ProviderRuleException(string field, string message, bool isConflict = false)
    : DomainRuleException(isConflict ? RuleBreach.Conflict : RuleBreach.Invalid, field, message)
{
    public bool IsConflict => Breach == RuleBreach.Conflict;
}
