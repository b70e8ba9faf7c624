namespace AigneHub.Domain.Access;

/// <summary>A command that the current users and keys do not allow.</summary>
/// <param name="isConflict">The command clashes with what exists rather than being wrong in itself.</param>
/// <param name="isForbidden">The caller may not do this (403), whatever the input.</param>
public sealed class AccessRuleException(string field, string message, bool isConflict = false, bool isForbidden = false)
    : DomainRuleException(isForbidden ? RuleBreach.Forbidden : isConflict ? RuleBreach.Conflict : RuleBreach.Invalid, field, message)
{
    public bool IsConflict => Breach == RuleBreach.Conflict;

    public bool IsForbidden => Breach == RuleBreach.Forbidden;
}
