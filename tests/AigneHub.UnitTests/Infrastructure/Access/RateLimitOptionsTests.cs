using AigneHub.Application.Usage;
using AigneHub.Application.Usage.Reports;
using AigneHub.Infrastructure.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Infrastructure.Access;

/// <summary>Options that stop the start with a clear message when they are wrong, nested ones included.</summary>
public sealed class RateLimitOptionsTests
{
    [Fact]
    public void A_negative_nested_limit_stops_the_start_naming_the_key()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Resolve<RateLimitOptions>(RateLimitOptions.Section, ("RateLimits:Key:RequestsPerMinute", "-5")));

        Assert.Contains("RateLimits:Key:RequestsPerMinute", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_nested_limits_are_accepted()
    {
        var options = Resolve<RateLimitOptions>(RateLimitOptions.Section, ("RateLimits:User:TokensPerMinute", "1000"));

        Assert.Equal(1000, options.User.TokensPerMinute);
    }

    [Fact]
    public void An_unknown_time_zone_or_daemon_mode_stops_the_start()
    {
        var zone = Assert.Throws<OptionsValidationException>(() => Resolve<AnalyticsOptions>(AnalyticsOptions.Section, ("Analytics:TimeZone", "Mars/Olympus")));
        var daemon = Assert.Throws<OptionsValidationException>(() => Resolve<AnalyticsOptions>(AnalyticsOptions.Section, ("Analytics:Daemon", "HotCold")));
        var reports = Assert.Throws<OptionsValidationException>(() => Resolve<ReportsOptions>(ReportsOptions.Section, ("Reports:TimeZone", "Nowhere")));

        Assert.Contains("Mars/Olympus", zone.Message, StringComparison.Ordinal);
        Assert.Contains("Solo", daemon.Message, StringComparison.Ordinal);
        Assert.Contains("Reports:TimeZone", reports.Message, StringComparison.Ordinal);
    }

    private static T Resolve<T>(string section, params (string Key, string Value)[] settings)
        where T : class
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection();
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }
}
