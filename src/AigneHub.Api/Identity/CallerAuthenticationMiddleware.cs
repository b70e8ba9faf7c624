using AigneHub.Application.Audit;
using Microsoft.AspNetCore.Authorization;

namespace AigneHub.Api.Identity;

/// <summary>
/// Every request but the anonymous ones (health) says who it is: a hub access key (or, with an issuer configured, an
/// OIDC JWT) as <c>Authorization: Bearer …</c> or, as Anthropic's clients send it, <c>x-api-key</c> (REST) or <c>authorization</c> metadata (gRPC, the same HTTP/2 header). The caller is stored on the request for
/// <see cref="ICallerContext"/>, then the route's <see cref="HubAccessAttribute"/> is checked. Refusals answer 401 (who
/// are you) or 403 (not allowed) in the surface's own error shape, before any body is read.
/// </summary>
internal sealed partial class CallerAuthenticationMiddleware(
    RequestDelegate next,
    IAccessKeyAuthenticator keys,
    IBearerTokenAuthenticator tokens,
    ClientAddressRules addresses,
    IRefusalAudit refusals,
    ILogger<CallerAuthenticationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            // No endpoint: the request is answered 404/405 by what follows, and nothing is served.
            await next(context);
            return;
        }

        var address = addresses.ClientAddress(context);
        HubException? refusal = null;
        if (addresses.Refusal(address) is { } denied)
        {
            refusal = new PermissionDeniedException(denied);
            await refusals.RefusedAsync("IpDenied", $"address:{address}", $"refused: {denied}");
        }

        refusal ??= await AuthenticateAsync(context, address);
        if (refusal is null)
        {
            var caller = context.Items[typeof(Caller)] as Caller;
            refusal = Authorize(caller!, endpoint.Metadata.GetMetadata<HubAccessAttribute>());
        }

        if (refusal is not null)
        {
            LogRefused(logger, context.Request.Method, context.Request.Path, refusal.Message);
            await AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(refusal, context.TraceIdentifier));
            return;
        }

        await next(context);
    }

    private async Task<HubException?> AuthenticateAsync(HttpContext context, System.Net.IPAddress? address)
    {
        var header = context.Request.Headers.Authorization.ToString();
        string credential;
        if (string.IsNullOrWhiteSpace(header))
        {
            // Anthropic's clients send the key as x-api-key; it is the same credential as the bearer token.
            credential = context.Request.Headers[ApiKeyHeader].ToString().Trim();
            if (credential.Length == 0)
            {
                return new AuthenticationRequiredException("You didn't provide an access key. Send it as 'Authorization: Bearer ahk_…'.");
            }
        }
        else
        {
            const string bearer = "Bearer ";
            if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            {
                return new AuthenticationRequiredException("The Authorization header must be 'Bearer <access key>'.");
            }

            credential = header[bearer.Length..].Trim();
        }

        KeyAuthentication result;
        if (AccessKeyToken.TryParse(credential, out var token))
        {
            result = await keys.AuthenticateAsync(token, address, context.RequestAborted);
        }
        else if (tokens.IsEnabled && !credential.StartsWith(AccessKeyToken.Prefix, StringComparison.Ordinal) && credential.Count(c => c == '.') == 2 && credential.Length <= 16_384)
        {
            result = await tokens.AuthenticateAsync(credential, context.RequestAborted);
        }
        else
        {
            const string malformed = "The access key is not valid. Check that you copied the whole key (ahk_…).";
            await refusals.RefusedAsync("KeyRefused", $"address:{address}", $"refused: {malformed}");
            return new AuthenticationRequiredException(malformed);
        }

        if (result.Caller is { } caller)
        {
            HttpCallerContext.Set(context, WithClientApp(caller, context.Request.Headers[ClientAppHeader]));
            return null;
        }

        if (result.Refusal == KeyRefusal.AddressNotAllowed)
        {
            await refusals.RefusedAsync("IpDenied", $"key:{token.KeyId}", $"refused: {result.Message}");
            return new PermissionDeniedException(result.Message);
        }

        if (result.Refusal == KeyRefusal.UserDisabled)
        {
            await refusals.RefusedAsync("UserDisabled", token is null ? $"address:{address}" : $"key:{token.KeyId}", $"refused: {result.Message}");
            return new PermissionDeniedException(result.Message);
        }

        // A key the hub could name (unknown, wrong secret, revoked, expired) is the target; a token, the address.
        await refusals.RefusedAsync("KeyRefused", token is null ? $"address:{address}" : $"key:{token.KeyId}", $"refused: {result.Message}");
        return new AuthenticationRequiredException(result.Message);
    }

    private static PermissionDeniedException? Authorize(Caller caller, HubAccessAttribute? access)
    {
        if (access is null)
        {
            return null;
        }

        if (access.AdminRole && caller.Role == UserRole.Member)
        {
            return new PermissionDeniedException("This route is for admins and owners; your user is a member.");
        }

        return access.Scope is { } scope && !caller.Scopes.Contains(scope)
            ? new PermissionDeniedException($"Your credential lacks the '{scope}' scope that this route needs.")
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string reason);

    /// <summary>The header Anthropic's clients send their key in; taken when there is no Authorization header.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>The AIGNE framework names the calling app (its DID) in this header; call records and statistics carry it.</summary>
    public const string ClientAppHeader = "x-aigne-hub-client-did";

    /// <summary>
    /// The app the client says it is (the header, when it is one printable token of at most 200 characters) wins over
    /// the key's app: one key can serve several apps of one user. Anything else in the header is ignored.
    /// </summary>
    internal static Caller WithClientApp(Caller caller, Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1 || header[0] is not { Length: > 0 and <= 200 } app || !app.All(c => c > ' ' && c < (char)0x7f))
        {
            return caller;
        }

        return caller with { AppId = app };
    }
}

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
