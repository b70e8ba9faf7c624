using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Anthropic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.Anthropic;

public sealed class AnthropicAdapterOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new AnthropicAdapterOptions();

        Assert.Equal(4096, options.DefaultMaxTokens);
        Assert.Equal("2023-06-01", options.AnthropicVersion);
        Assert.Equal(100, options.TimeoutSeconds);
        Assert.Equal(60, options.StreamIdleTimeoutSeconds);
        Assert.Equal("https://api.anthropic.com", AnthropicAdapterOptions.DefaultBaseUrl);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new AnthropicAdapterOptions
        {
            DefaultMaxTokens = 0,
            AnthropicVersion = "2023-06-01 ",
            TimeoutSeconds = 0,
            StreamIdleTimeoutSeconds = 3601,
        };

        var failures = options.Validate();

        Assert.Equal(
            [
                "Providers:Anthropic:Adapter:DefaultMaxTokens must be at least 1.",
                "Providers:Anthropic:Adapter:AnthropicVersion must not contain whitespace or control characters.",
                "Providers:Anthropic:Adapter:TimeoutSeconds must be between 1 and 3600.",
                "Providers:Anthropic:Adapter:StreamIdleTimeoutSeconds must be between 1 and 3600.",
            ],
            failures);
    }

    [Fact]
    public void Registration_binds_the_section_and_adds_the_adapter_once()
    {
        using var services = Services(new Dictionary<string, string?> { ["Providers:Anthropic:Adapter:DefaultMaxTokens"] = "2048" }, registrations: 2);

        Assert.Equal(2048, services.GetRequiredService<IOptions<AnthropicAdapterOptions>>().Value.DefaultMaxTokens);
        var adapter = Assert.Single(services.GetServices<IChatAdapter>());
        Assert.Equal("anthropic-messages", adapter.Protocol);
        Assert.IsType<AnthropicMessagesAdapter>(adapter);
    }

    [Fact]
    public void Invalid_configuration_fails_when_the_options_are_read()
    {
        using var services = Services(new Dictionary<string, string?> { ["Providers:Anthropic:Adapter:AnthropicVersion"] = string.Empty });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AnthropicAdapterOptions>>().Value);

        Assert.Contains("Providers:Anthropic:Adapter:AnthropicVersion is required.", error.Failures);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings, int registrations = 1)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        for (var i = 0; i < registrations; i++)
        {
            services.AddAnthropicAdapter();
        }

        return services.BuildServiceProvider();
    }
}
