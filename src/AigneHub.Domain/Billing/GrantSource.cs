namespace AigneHub.Domain.Billing;

public enum GrantSource
{
    /// <summary>The new-user grant, given once when an account is opened.</summary>
    Welcome,

    Admin,

    /// <summary>A paid top-up (payment webhook); carries the payment id as its reference.</summary>
    Purchase,

    Promotion,
}
