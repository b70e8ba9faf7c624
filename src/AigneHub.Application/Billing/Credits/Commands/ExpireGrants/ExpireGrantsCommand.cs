namespace AigneHub.Application.Billing.Credits.Commands.ExpireGrants;

/// <summary>Takes the unused part of every grant whose expiry has passed out of its account's balance.</summary>
public sealed record ExpireGrantsCommand : ICommand<ExpiryReport>;

public sealed record ExpiryReport(int Accounts, decimal ExpiredCredits);
