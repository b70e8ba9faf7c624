using AigneHub.Application.Audit;

namespace AigneHub.Api.Identity;

/// <summary>The current request's client address (behind trusted proxies, the forwarded one) and its request id.</summary>
internal sealed class HttpRequestOrigin(IHttpContextAccessor accessor, ClientAddressRules addresses) : IRequestOrigin
{
    public string? Address => accessor.HttpContext is { } context ? addresses.ClientAddress(context)?.ToString() : null;

    public string? CorrelationId => accessor.HttpContext?.TraceIdentifier;
}
