namespace AigneHub.Domain.Access;

/// <summary>A command that the current users and keys do not allow.</summary>
/// <param name="Field">The request field the rule is about, so the edge can name it.</param>
/// <param name="IsConflict">The command clashes with what exists rather than being wrong in itself.</param>
/// <param name="IsForbidden">The caller may not do this (403), whatever the input.</param>
public sealed class AccessRuleException(string field, string message, bool isConflict = false, bool isForbidden = false) : Exception(message)
{
    public string Field { get; } = field;

    public bool IsConflict { get; } = isConflict;

    public bool IsForbidden { get; } = isForbidden;
}
