using System.Net;

namespace AigneHub.Api.Identity;

/// <summary>Who the client is on the network (honouring trusted proxies) and whether the global IP rules let it in.</summary>
internal sealed class ClientAddressRules(IOptions<IpRuleOptions> options)
{
    private readonly IpRange[] _allow = [.. options.Value.Allow.Select(IpRange.Parse)];
    private readonly IpRange[] _deny = [.. options.Value.Deny.Select(IpRange.Parse)];
    private readonly IpRange[] _proxies = [.. options.Value.TrustedProxies.Select(IpRange.Parse)];

    public IPAddress? ClientAddress(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || _proxies.Length == 0 || !IsProxy(remote))
        {
            return remote;
        }

        // Right to left: each trusted proxy appended the address it saw; the first untrusted one is the client.
        var hops = context.Request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? string.Empty).Split(',')).Select(h => h.Trim()).Reverse();
        foreach (var hop in hops)
        {
            if (!IPAddress.TryParse(hop, out var address))
            {
                // A hop we cannot read: stop believing the header there.
                return remote;
            }

            if (!IsProxy(address))
            {
                return address;
            }

            remote = address;
        }

        return remote;
    }

    /// <summary>Null when the address may be served; else why not.</summary>
    public string? Refusal(IPAddress? address)
    {
        if (_allow.Length == 0 && _deny.Length == 0)
        {
            return null;
        }

        if (address is null)
        {
            return "The hub cannot tell your address, and its IP rules need it.";
        }

        if (_deny.Any(r => r.Contains(address)) || (_allow.Length > 0 && !_allow.Any(r => r.Contains(address))))
        {
            return $"Requests from {address} are not allowed by this hub's IP rules.";
        }

        return null;
    }

    private bool IsProxy(IPAddress address) => _proxies.Any(p => p.Contains(address));
}
