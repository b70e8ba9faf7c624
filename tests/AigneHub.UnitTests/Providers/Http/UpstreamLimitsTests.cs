using AigneHub.Infrastructure.Providers.Anthropic;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.Infrastructure.Providers.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.Http;

/// <summary>"Providers:Http" is every protocol's starting point; a protocol's own section overrides what it sets.</summary>
public sealed class UpstreamLimitsTests
{
    [Fact]
    public void A_protocol_whose_section_sets_no_limits_takes_the_shared_ones()
    {
        using var services = Services(new Dictionary<string, string?>
        {
            ["Providers:Http:TimeoutSeconds"] = "30",
            ["Providers:Http:StreamIdleTimeoutSeconds"] = "12",
        });

        foreach (var limits in new UpstreamLimits[] { Options<AnthropicAdapterOptions>(services), Options<BedrockAdapterOptions>(services), Options<GeminiAdapterOptions>(services) })
        {
            Assert.Equal(30, limits.TimeoutSeconds);
            Assert.Equal(12, limits.StreamIdleTimeoutSeconds);
        }
    }

    [Fact]
    public void A_protocols_own_section_overrides_only_the_limits_it_sets()
    {
        using var services = Services(new Dictionary<string, string?>
        {
            ["Providers:Http:TimeoutSeconds"] = "30",
            ["Providers:Http:StreamIdleTimeoutSeconds"] = "12",
            ["Providers:Bedrock:Adapter:TimeoutSeconds"] = "5",
        });

        var bedrock = Options<BedrockAdapterOptions>(services);
        Assert.Equal(5, bedrock.TimeoutSeconds);
        Assert.Equal(12, bedrock.StreamIdleTimeoutSeconds);
        Assert.Equal(30, Options<AnthropicAdapterOptions>(services).TimeoutSeconds);
    }

    [Fact]
    public void Without_any_configuration_every_protocol_waits_100_seconds_and_60_of_stream_silence()
    {
        using var services = Services(new Dictionary<string, string?>());

        var anthropic = Options<AnthropicAdapterOptions>(services);
        Assert.Equal(100, anthropic.TimeoutSeconds);
        Assert.Equal(60, anthropic.StreamIdleTimeoutSeconds);
    }

    [Fact]
    public void An_out_of_range_override_is_reported_under_the_protocols_own_key()
    {
        using var services = Services(new Dictionary<string, string?> { ["Providers:Bedrock:Adapter:StreamIdleTimeoutSeconds"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => Options<BedrockAdapterOptions>(services));

        Assert.Contains("Providers:Bedrock:Adapter:StreamIdleTimeoutSeconds must be between 1 and 3600.", error.Failures);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddProviderHttpOptions(configuration);
        services.AddAnthropicAdapter();
        services.AddBedrockAdapter();
        services.AddGeminiAdapter();
        return services.BuildServiceProvider();
    }

    private static T Options<T>(ServiceProvider services)
        where T : class => services.GetRequiredService<IOptions<T>>().Value;
}
