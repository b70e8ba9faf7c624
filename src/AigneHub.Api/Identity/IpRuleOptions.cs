namespace AigneHub.Api.Identity;

/// <summary>
/// Addresses the hub serves (section "Access:IpRules"), checked on every route but health before the credential, and
/// the proxies whose X-Forwarded-For the hub believes. Entries are IP addresses or CIDR blocks, IPv4 or IPv6.
/// </summary>
public sealed class IpRuleOptions : IValidatableObject
{
    public const string Section = "Access:IpRules";

    /// <summary>When not empty, only these addresses are served.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Never served, even when also allowed.</summary>
    public List<string> Deny { get; set; } = [];

    /// <summary>
    /// Reverse proxies / load balancers in front of the hub. Only when the connection comes from one of these is
    /// X-Forwarded-For read, right to left, skipping trusted proxies; the first other address is the client's.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, list) in new[] { (nameof(Allow), Allow), (nameof(Deny), Deny), (nameof(TrustedProxies), TrustedProxies) })
        {
            foreach (var entry in list.Where(e => !IpRange.TryParse(e, out _)))
            {
                yield return new ValidationResult($"Access:IpRules:{name} holds '{entry}', which is not an IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32).", [name]);
            }
        }
    }
}
