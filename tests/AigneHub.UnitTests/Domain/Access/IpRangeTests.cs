using System.Net;
using AigneHub.Domain.Access;

namespace AigneHub.UnitTests.Domain.Access;

public sealed class IpRangeTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.7", "192.168.1.7", true)]
    [InlineData("192.168.1.7", "192.168.1.8", false)]
    [InlineData("192.168.1.0/25", "192.168.1.127", true)]
    [InlineData("192.168.1.0/25", "192.168.1.128", false)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    public void Range_contains_address(string range, string address, bool contained) =>
        Assert.Equal(contained, IpRange.Parse(range).Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("2001:db8::/129")]
    [InlineData("example.com")]
    [InlineData("")]
    public void Malformed_range_is_refused(string text) => Assert.False(IpRange.TryParse(text, out _));

    [Fact]
    public void Range_is_normalised_to_its_network() => Assert.Equal("10.0.0.0/8", IpRange.Parse("10.1.2.3/8").Text);

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", true)]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", false)]
    [InlineData("10.0.0.0/8", "11.0.0.0/16", false)]
    [InlineData("0.0.0.0/0", "192.0.2.0/24", true)]
    [InlineData("10.0.0.0/8", "2001:db8::/32", false)]
    [InlineData("2001:db8::/32", "2001:db8:1::/48", true)]
    [InlineData("2001:db8::/48", "2001:db8::/32", false)]
    public void Range_covers_only_ranges_inside_it(string range, string inner, bool covers) =>
        Assert.Equal(covers, IpRange.Parse(range).Covers(IpRange.Parse(inner)));
}
