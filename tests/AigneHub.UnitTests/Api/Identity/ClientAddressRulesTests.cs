using System.Net;
using AigneHub.Api.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Api.Identity;

public sealed class ClientAddressRulesTests
{
    [Fact]
    public void Forwarded_for_is_ignored_from_an_untrusted_peer()
    {
        var rules = Rules(proxies: ["10.0.0.1"]);

        Assert.Equal(IPAddress.Parse("203.0.113.5"), rules.ClientAddress(Request("203.0.113.5", "198.51.100.7")));
    }

    [Fact]
    public void Client_is_the_first_untrusted_hop_from_the_right()
    {
        var rules = Rules(proxies: ["10.0.0.0/8"]);

        // The client forged the left-most entry; the trusted proxies appended the rest.
        var address = rules.ClientAddress(Request("10.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2"));

        Assert.Equal(IPAddress.Parse("198.51.100.7"), address);
    }

    [Fact]
    public void Unreadable_hop_stops_trust_at_the_last_proxy()
    {
        var rules = Rules(proxies: ["10.0.0.0/8"]);

        Assert.Equal(IPAddress.Parse("10.0.0.2"), rules.ClientAddress(Request("10.0.0.1", "not-an-ip, 10.0.0.2")));
    }

    [Theory]
    [InlineData("198.51.100.7", true)]
    [InlineData("203.0.113.9", false)]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db8:dead::1", false)]
    [InlineData("192.0.2.1", false)]
    public void Deny_wins_over_allow_and_allow_lists_are_exclusive(string address, bool served)
    {
        var rules = Rules(allow: ["198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"], deny: ["203.0.113.9", "2001:db8:dead::/48"]);

        Assert.Equal(served, rules.Refusal(IPAddress.Parse(address)) is null);
    }

    [Fact]
    public void No_rules_serve_everyone() => Assert.Null(Rules().Refusal(null));

    private static ClientAddressRules Rules(string[]? allow = null, string[]? deny = null, string[]? proxies = null) =>
        new(Options.Create(new IpRuleOptions { Allow = [.. allow ?? []], Deny = [.. deny ?? []], TrustedProxies = [.. proxies ?? []] }));

    private static DefaultHttpContext Request(string peer, string forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        return context;
    }
}
