namespace AigneHub.Domain.Billing;

/// <summary>A billing command that the current state does not allow.</summary>
/// <param name="Rule">Which rule was broken, so the edge can answer 402, 409 or 400.</param>
/// <param name="Field">The request field the rule is about.</param>
public sealed class CreditRuleException(CreditRule rule, string field, string message) : Exception(message)
{
    public CreditRule Rule { get; } = rule;

    public string Field { get; } = field;
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
