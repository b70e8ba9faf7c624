namespace AigneHub.Application.Errors;

/// <summary>The caller's credits cannot cover the call; refused before any provider is called.</summary>
/// <param name="PaymentLink">Where the user can buy credits (the billing settings' payment link), when one is set.</param>
public sealed class InsufficientCreditsException(string message, string? paymentLink) : HubException(ErrorKind.InsufficientCredits, message)
{
    public string? PaymentLink { get; } = paymentLink;
}

/// <summary>The operation needs to know who is calling (whose account pays) and nobody is authenticated.</summary>
public sealed class UnauthenticatedException(string message) : HubException(ErrorKind.Unauthenticated, message);
