namespace AigneHub.Api.Identity;

/// <summary>
/// The caller of the current HTTP or gRPC request, as the authentication step stored it on the request. Outside a
/// request, or before anything authenticated the caller, there is none.
/// </summary>
internal sealed class HttpCallerContext(IHttpContextAccessor accessor) : ICallerContext
{
    public Caller? Current => accessor.HttpContext?.Items.TryGetValue(typeof(Caller), out var caller) == true ? caller as Caller : null;

    /// <summary>Records who the request's caller is; the authentication step calls this once per request.</summary>
    public static void Set(HttpContext context, Caller caller) => context.Items[typeof(Caller)] = caller;
}

internal static class CallerContextExtensions
{
    /// <summary>The authenticated caller; the authentication step guarantees one on every route that is not anonymous.</summary>
    public static Caller Require(this ICallerContext callers) =>
        callers.Current ?? throw new Application.Errors.AuthenticationRequiredException("You didn't provide an access key. Send it as 'Authorization: Bearer ahk_…'.");
}
