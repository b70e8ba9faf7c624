namespace AigneHub.Infrastructure.Access;

/// <summary>
/// OAuth 2.0 / OIDC bearer tokens from one issuer (section "Access:Oidc"). Off unless <see cref="Authority"/> is set.
/// </summary>
public sealed class OidcOptions : IValidatableObject
{
    public const string Section = "Access:Oidc";

    /// <summary>The issuer URL; its discovery document is at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> tokens must carry (the hub's client id or API identifier at the issuer).</summary>
    public string? Audience { get; set; }

    /// <summary>Only for local test issuers: allow an http:// authority.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerated difference between the issuer's clock and the hub's for exp/nbf.</summary>
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>The claim holding the user's roles or groups (a string or an array).</summary>
    [Required]
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Values of <see cref="RoleClaim"/> that make a new user an owner.</summary>
    public List<string> OwnerValues { get; set; } = ["aignehub-owner"];

    /// <summary>Values of <see cref="RoleClaim"/> that make a new user an admin; any other user is a member.</summary>
    public List<string> AdminValues { get; set; } = ["aignehub-admin"];

    /// <summary>How often the discovery document and JWKS are fetched again (an unknown key id also triggers a fetch, at most every 30 s).</summary>
    [Range(1, 1_440)]
    public int MetadataRefreshMinutes { get; set; } = 60;

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Authority);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsEnabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && (RequireHttpsMetadata || uri.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Access:Oidc:Authority must be an absolute https:// URL (http:// only with RequireHttpsMetadata=false).", [nameof(Authority)]);
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("Access:Oidc:Audience is required when Access:Oidc:Authority is set.", [nameof(Audience)]);
        }
    }
}
