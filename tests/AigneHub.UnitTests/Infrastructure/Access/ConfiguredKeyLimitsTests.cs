using AigneHub.Domain.Access;
using AigneHub.Infrastructure.Access;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Infrastructure.Access;

public sealed class ConfiguredKeyLimitsTests
{
    [Fact]
    public void Default_key_limits_are_what_RateLimits_Key_sets_and_zero_is_no_limit()
    {
        var options = new RateLimitOptions { Key = new RateLimitPair { RequestsPerMinute = 60, TokensPerMinute = 0 } };

        var limits = new ConfiguredKeyLimits(Options.Create(options)).Key;

        Assert.Equal(new KeyLimits(60, null), limits);
    }
}
