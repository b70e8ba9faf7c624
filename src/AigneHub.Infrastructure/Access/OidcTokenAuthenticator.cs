using System.Collections.Frozen;
using AigneHub.Application.Access.Commands.CreateUser;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AigneHub.Infrastructure.Access;

/// <summary>
/// Validates JWT bearer tokens against the configured issuer: signature with a key from its JWKS (found through
/// discovery, refreshed on an unknown key id), issuer, audience, lifetime with the configured clock skew. The user is
/// <c>oidc_</c> + a hash of issuer and subject, created on first sight with the role the claims map to; after that
/// the hub's own record of the user (and its role) is what counts.
/// </summary>
internal sealed partial class OidcTokenAuthenticator : IBearerTokenAuthenticator
{
    private static readonly FrozenSet<string> MemberScopes = new[] { KeyScopes.Inference }.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> AdminScopes = KeyScopes.All.ToFrozenSet(StringComparer.Ordinal);

    private readonly OidcOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly AccessKeyCache _users;
    private readonly IMediator _mediator;
    private readonly ILogger<OidcTokenAuthenticator> _logger;

    public OidcTokenAuthenticator(IOptions<OidcOptions> options, AccessKeyCache users, IMediator mediator, IHttpClientFactory httpClients, ILogger<OidcTokenAuthenticator> logger)
    {
        _options = options.Value;
        _users = users;
        _mediator = mediator;
        _logger = logger;
        if (_options.IsEnabled)
        {
            var metadataAddress = $"{_options.Authority!.TrimEnd('/')}/.well-known/openid-configuration";
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                metadataAddress,
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(httpClients.CreateClient(nameof(OidcTokenAuthenticator))) { RequireHttps = _options.RequireHttpsMetadata })
            {
                AutomaticRefreshInterval = TimeSpan.FromMinutes(_options.MetadataRefreshMinutes),
                RefreshInterval = TimeSpan.FromSeconds(30),
            };
        }
    }

    public bool IsEnabled => _metadata is not null;

    public async ValueTask<KeyAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (_metadata is null)
        {
            return KeyAuthentication.Refused(KeyRefusal.Unknown, "Bearer tokens are not accepted by this hub; use a hub access key (ahk_…).");
        }

        var result = await ValidateAsync(token, refreshed: false, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer may have rotated its keys since the JWKS was fetched: fetch it again (at most every 30 s), once.
            _metadata.RequestRefresh();
            result = await ValidateAsync(token, refreshed: true, cancellationToken);
        }

        if (!result.IsValid)
        {
            LogRejected(_logger, result.Exception?.GetType().Name ?? "invalid");
            return KeyAuthentication.Refused(
                result.Exception is SecurityTokenExpiredException ? KeyRefusal.Expired : KeyRefusal.Unknown,
                Describe(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrWhiteSpace(jwt.Subject))
        {
            // Every such token would be one user (and share the role the first one was given): refused instead.
            LogRejected(_logger, "no subject");
            return KeyAuthentication.Refused(KeyRefusal.Unknown, "The token names no subject (sub claim), so the hub cannot tell whose it is.");
        }

        var subject = $"{jwt.Issuer}|{jwt.Subject}";
        var userId = "oidc_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..24];
        var standing = await _users.StandingOfAsync(userId, cancellationToken) ?? await CreateAsync(userId, subject, jwt, cancellationToken);
        if (standing.Disabled)
        {
            LogRejected(_logger, "user disabled");
            return KeyAuthentication.Refused(KeyRefusal.UserDisabled, "Your user is disabled on this hub; ask an admin of this hub.");
        }

        var role = standing.Role;
        var appId = jwt.TryGetPayloadValue<string>("azp", out var azp) ? azp : null;
        return KeyAuthentication.Accepted(new Caller(userId, role, null, appId, role == UserRole.Member ? MemberScopes : AdminScopes));
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, bool refreshed, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _metadata!.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException)
        {
            LogMetadataUnavailable(_logger, ex, refreshed);
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenException("The token issuer's keys could not be fetched.") };
        }

        return await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
        });
    }

    private async Task<UserStanding> CreateAsync(string userId, string subject, JsonWebToken jwt, CancellationToken cancellationToken)
    {
        var role = RoleFrom(jwt);
        var name = jwt.TryGetPayloadValue<string>("name", out var n) && !string.IsNullOrWhiteSpace(n) ? n : jwt.Subject;
        var email = jwt.TryGetPayloadValue<string>("email", out var e) && System.Net.Mail.MailAddress.TryCreate(e, out _) ? e : null;
        try
        {
            var created = await _mediator.Send(new CreateUserCommand(userId, Truncate(name, 100), email, role, Truncate(subject, 500), "system", null), cancellationToken);
            LogCreated(_logger, userId, created.Role);
            return new UserStanding(created.Role, Disabled: false);
        }
        catch (ConflictException)
        {
            // Two first calls at once: the other one created the user.
            return await _users.StandingOfAsync(userId, cancellationToken) ?? new UserStanding(role, Disabled: false);
        }
    }

    private UserRole RoleFrom(JsonWebToken jwt)
    {
        var values = new List<string>();
        if (jwt.TryGetPayloadValue<JsonElement>(_options.RoleClaim, out var claim))
        {
            if (claim.ValueKind == JsonValueKind.String)
            {
                values.Add(claim.GetString()!);
            }
            else if (claim.ValueKind == JsonValueKind.Array)
            {
                values.AddRange(claim.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
            }
        }
        else if (jwt.TryGetPayloadValue<string>(_options.RoleClaim, out var single))
        {
            values.Add(single);
        }

        return values.Any(_options.OwnerValues.Contains) ? UserRole.Owner
            : values.Any(_options.AdminValues.Contains) ? UserRole.Admin
            : UserRole.Member;
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The bearer token has expired; get a new one from your identity provider.",
        SecurityTokenInvalidAudienceException => "The bearer token was not issued for this hub (wrong audience).",
        SecurityTokenInvalidIssuerException => "The bearer token comes from an issuer this hub does not trust.",
        SecurityTokenSignatureKeyNotFoundException => "The bearer token is signed with a key the issuer does not publish.",
        SecurityTokenInvalidSignatureException => "The bearer token's signature is not valid.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        _ => "The bearer token is not valid.",
    };

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer token refused: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The OIDC issuer's metadata could not be fetched (after a refresh: {Refreshed})")]
    private static partial void LogMetadataUnavailable(ILogger logger, Exception exception, bool refreshed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created user {UserId} ({Role}) on first sight of their token")]
    private static partial void LogCreated(ILogger logger, string userId, UserRole role);
}
