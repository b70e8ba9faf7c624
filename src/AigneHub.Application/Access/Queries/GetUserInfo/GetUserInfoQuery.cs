namespace AigneHub.Application.Access.Queries.GetUserInfo;

/// <summary>
/// The authenticated caller as the AIGNE CLI shows them (<c>aigne hub status</c>): who they are, and in credits mode
/// their balance and where to buy more.
/// </summary>
public sealed record GetUserInfoQuery : IQuery<UserInfoView>;

/// <summary>The caller's profile and billing standing.</summary>
/// <param name="UserId">The caller's user id (the AIGNE client calls it the DID).</param>
/// <param name="FullName">The user's display name; the user id when the hub has no user record (e.g. an OIDC caller never stored).</param>
/// <param name="Role">The caller's role as authenticated.</param>
/// <param name="CreditsEnabled">Whether credit billing is on.</param>
/// <param name="Credits">The caller's credits in credits mode; null otherwise.</param>
/// <param name="PaymentLink">Where to buy credits, in credits mode when one is set.</param>
/// <param name="CurrencyPrefix">"$", "€", "¥"; null when none is set (an empty prefix breaks the AIGNE client's schema).</param>
public sealed record UserInfoView(
    string UserId,
    string FullName,
    string? Email,
    UserRole Role,
    bool CreditsEnabled,
    UserCredits? Credits,
    string? PaymentLink,
    string? CurrencyPrefix);

/// <summary>What the caller may spend now, what they were ever granted, and what calls in flight hold.</summary>
public sealed record UserCredits(decimal Available, decimal TotalGranted, decimal Held);
