namespace AigneHub.Domain.Billing;

public enum BillingMode
{
    /// <summary>Billing off: the company pays providers directly; calls are never held or refused, only costed.</summary>
    Enterprise,

    /// <summary>Service-provider mode: every call is priced in credits, held before and captured after.</summary>
    Credits,
}
