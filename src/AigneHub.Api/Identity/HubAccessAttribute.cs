namespace AigneHub.Api.Identity;

/// <summary>
/// What a route needs from its caller, declared on a gRPC service class or method (the transcoded REST routes carry the
/// same metadata). The method's attribute wins over the class's. A route without one needs an authenticated caller and
/// nothing more; a route marked anonymous (health) needs nobody.
/// </summary>
/// <param name="scope">The scope the key or token must hold; null for "any authenticated caller".</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
internal sealed class HubAccessAttribute(string? scope) : Attribute
{
    public string? Scope { get; } = scope;

    /// <summary>The caller's user must be an admin or the owner, whatever the key's scopes.</summary>
    public bool AdminRole { get; init; }
}
