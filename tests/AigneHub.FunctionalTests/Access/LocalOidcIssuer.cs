using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// An OIDC issuer on a local port: a discovery document and a JWKS with one RSA key, and tokens minted with it (or,
/// to test refusals, with keys it does not publish). For browser sign-in (the web console) it also runs the
/// authorization code flow with PKCE for one public client: <c>/authorize</c> signs <see cref="CodeFlowSubject"/> in
/// at once and sends the browser back with a code, <c>/token</c> checks the code verifier and answers a token; its
/// answers allow any origin, as issuers do for single-page apps.
/// </summary>
public sealed class LocalOidcIssuer : IAsyncDisposable
{
    public const string KeyId = "test-signing-key-1";

    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _app;

    public string Issuer { get; private set; } = string.Empty;

    public int DiscoveryRequests { get; private set; }

    public const string CodeFlowClientId = "aignehub-console";

    /// <summary>Who the authorization code flow signs in, with which roles, for which audience.</summary>
    public string CodeFlowSubject { get; set; } = "console-admin";

    public string[] CodeFlowRoles { get; set; } = ["aignehub-admin"];

    public string CodeFlowAudience { get; set; } = "aignehub";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Challenge, string RedirectUri)> _codes = new();

    public static async Task<LocalOidcIssuer> StartAsync()
    {
        var issuer = new LocalOidcIssuer();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.UseRouting();
        app.Use((context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            return next(context);
        });
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            issuer.DiscoveryRequests++;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer.Issuer,
                ["jwks_uri"] = $"{issuer.Issuer}/jwks",
                ["authorization_endpoint"] = $"{issuer.Issuer}/authorize",
                ["token_endpoint"] = $"{issuer.Issuer}/token",
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/authorize", (HttpRequest request) =>
        {
            var query = request.Query;
            if (query["client_id"] != CodeFlowClientId || query["response_type"] != "code" || query["code_challenge_method"] != "S256"
                || string.IsNullOrEmpty(query["code_challenge"]) || string.IsNullOrEmpty(query["redirect_uri"]))
            {
                return Results.BadRequest("client_id, response_type=code, redirect_uri and an S256 code_challenge are required");
            }

            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
            issuer._codes[code] = (query["code_challenge"].ToString(), query["redirect_uri"].ToString());
            return Results.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"].ToString())}");
        });
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var verifier = form["code_verifier"].ToString();
            if (form["grant_type"] != "authorization_code" || form["client_id"] != CodeFlowClientId
                || !issuer._codes.TryRemove(form["code"].ToString(), out var issued) || issued.RedirectUri != form["redirect_uri"]
                || Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))) != issued.Challenge)
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }

            var token = issuer.Mint(issuer.CodeFlowSubject, issuer.CodeFlowAudience, roles: issuer.CodeFlowRoles);
            return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 600 });
        });
        app.MapGet("/jwks", () =>
        {
            var parameters = issuer._rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        issuer._app = app;
        issuer.Issuer = address.TrimEnd('/');
        return issuer;
    }

    /// <param name="signWith">Another RSA key to sign with (the JWKS does not hold it); null signs with the published key.</param>
    /// <param name="subject">The token's <c>sub</c>; null mints a token without one.</param>
    public string Mint(
        string? subject,
        string audience,
        DateTime? expires = null,
        string[]? roles = null,
        RSA? signWith = null,
        string keyId = KeyId,
        string? email = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["name"] = $"User {subject}" };
        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        if (email is not null)
        {
            claims["email"] = email;
        }

        var expiry = expires ?? now.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = subject is null ? null : new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = claims,
            IssuedAt = expiry.AddMinutes(-20) < now ? expiry.AddMinutes(-20) : now,
            NotBefore = expiry.AddMinutes(-20) < now ? expiry.AddMinutes(-20) : now,
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }
}
