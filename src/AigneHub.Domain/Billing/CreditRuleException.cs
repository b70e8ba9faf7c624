namespace AigneHub.Domain.Billing;

/// <summary>A billing command that the current state does not allow.</summary>
/// <param name="rule">Which rule was broken; it decides whether the caller sees 402, 404, 409 or 400.</param>
public sealed class CreditRuleException(CreditRule rule, string field, string message) : DomainRuleException(BreachOf(rule), field, message)
{
    public CreditRule Rule { get; } = rule;

    private static RuleBreach BreachOf(CreditRule rule) => rule switch
    {
        CreditRule.InsufficientCredits => RuleBreach.Unaffordable,
        CreditRule.UnknownHold => RuleBreach.NotFound,
        CreditRule.AlreadySettled or CreditRule.DuplicateHold or CreditRule.ReferenceReused => RuleBreach.Conflict,
        _ => RuleBreach.Invalid,
    };
}

public enum CreditRule
{
    /// <summary>The amount is not allowed (zero, negative, or too many decimal places).</summary>
    InvalidAmount,

    /// <summary>The account cannot afford it.</summary>
    InsufficientCredits,

    /// <summary>The call id has no hold on this account.</summary>
    UnknownHold,

    /// <summary>The call's hold was already settled the other way (released after capture, or captured after release).</summary>
    AlreadySettled,

    /// <summary>A hold for this call id already exists.</summary>
    DuplicateHold,

    /// <summary>A setting or rate value is outside what the hub accepts.</summary>
    InvalidValue,

    /// <summary>An idempotency key already used for a different grant.</summary>
    ReferenceReused,
}
