using AigneHub.Infrastructure.Providers.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.Configured;

public sealed class ProviderHttpOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_timeouts()
    {
        var options = Resolve(new Dictionary<string, string?>());

        Assert.Equal(100, options.TimeoutSeconds);
        Assert.Equal(60, options.StreamIdleTimeoutSeconds);
        Assert.Equal(TimeSpan.FromSeconds(100), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.StreamIdleTimeout);
    }

    [Fact]
    public void Timeouts_are_read_from_the_shared_section()
    {
        var options = Resolve(new Dictionary<string, string?>
        {
            ["Providers:Http:TimeoutSeconds"] = "30",
            ["Providers:Http:StreamIdleTimeoutSeconds"] = "15",
        });

        Assert.Equal(30, options.TimeoutSeconds);
        Assert.Equal(15, options.StreamIdleTimeoutSeconds);
    }

    [Fact]
    public void Keys_of_the_former_openai_section_still_work()
    {
        var options = Resolve(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:TimeoutSeconds"] = "5",
            ["Providers:OpenAI:StreamIdleTimeoutSeconds"] = "7",
        });

        Assert.Equal(5, options.TimeoutSeconds);
        Assert.Equal(7, options.StreamIdleTimeoutSeconds);
    }

    [Fact]
    public void Shared_section_wins_over_the_former_openai_keys()
    {
        var options = Resolve(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:TimeoutSeconds"] = "5",
            ["Providers:Http:TimeoutSeconds"] = "30",
        });

        Assert.Equal(30, options.TimeoutSeconds);
        Assert.Equal(60, options.StreamIdleTimeoutSeconds);
    }

    [Fact]
    public void Out_of_range_timeouts_fail_start_up_naming_the_keys()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:Http:TimeoutSeconds"] = "0",
            ["Providers:Http:StreamIdleTimeoutSeconds"] = "3601",
        });

        var failures = services.StartupFailures();

        Assert.Equal(
            ["Providers:Http:TimeoutSeconds must be between 1 and 3600.", "Providers:Http:StreamIdleTimeoutSeconds must be between 1 and 3600."],
            failures);
    }

    private static ProviderHttpOptions Resolve(Dictionary<string, string?> settings)
    {
        using var services = ConfiguredProvidersHost.Build(settings);
        services.ValidateOnStart();
        return services.GetRequiredService<IOptions<ProviderHttpOptions>>().Value;
    }
}
