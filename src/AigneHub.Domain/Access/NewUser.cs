namespace AigneHub.Domain.Access;

/// <summary>A user to create, as <see cref="AccessDecisions.CreateUser"/> takes it.</summary>
/// <param name="Subject">The OIDC subject the user signs in as, when they sign in that way.</param>
public sealed record NewUser(string UserId, string DisplayName, string? Email, UserRole Role, string? Subject);
