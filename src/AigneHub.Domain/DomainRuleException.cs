namespace AigneHub.Domain;

/// <summary>
/// A command that the current state does not allow. Every area's rule exception derives from this, so the hub turns
/// any broken rule into what a caller sees in one place, by <see cref="Breach"/>.
/// </summary>
/// <param name="field">The request field the rule is about, so the edge can name it.</param>
public abstract class DomainRuleException(RuleBreach breach, string field, string message) : Exception(message)
{
    public RuleBreach Breach { get; } = breach;

    public string Field { get; } = field;
}

/// <summary>How a command broke a rule, which decides what the caller is told.</summary>
public enum RuleBreach
{
    /// <summary>The command is wrong in itself (400 naming the field).</summary>
    Invalid,

    /// <summary>The command clashes with what exists (409): already there, already settled, a reused reference.</summary>
    Conflict,

    /// <summary>The caller may not do this, whatever the input (403).</summary>
    Forbidden,

    /// <summary>The command names something the state does not have (404).</summary>
    NotFound,

    /// <summary>The account cannot afford it (402).</summary>
    Unaffordable,
}
