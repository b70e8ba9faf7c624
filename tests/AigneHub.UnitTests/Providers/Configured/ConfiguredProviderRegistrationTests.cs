using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Configured;
using AigneHub.Infrastructure.Providers.Media;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.UnitTests.Providers.Configured;

/// <summary>Which configured providers are registered, in which order, and with which target.</summary>
public sealed class ConfiguredProviderRegistrationTests
{
    [Fact]
    public void Nothing_configured_registers_no_provider_and_starts()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>());

        services.ValidateOnStart();

        Assert.Empty(services.GetServices<IChatProvider>());
    }

    [Fact]
    public void Providers_with_a_key_are_registered_in_routing_priority_order()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:Ollama:BaseUrl"] = "http://127.0.0.1:11434/v1",
            ["Providers:Poe:ApiKey"] = "poe-key",
            ["Providers:Doubao:ApiKey"] = "ark-key",
            ["Providers:XAI:ApiKey"] = "xai-key",
            ["Providers:OpenRouter:ApiKey"] = "sk-or-key",
            ["Providers:DeepSeek:ApiKey"] = "sk-deepseek",
            ["Providers:OpenAI:ApiKey"] = "sk-openai",
        });

        services.ValidateOnStart();

        Assert.Equal(
            ["openai", "deepseek", "openrouter", "xai", "doubao", "poe", "ollama"],
            services.GetServices<IChatProvider>().Select(p => p.Name));
    }

    [Fact]
    public void Section_names_ignore_case()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["providers:deepseek:apikey"] = "sk-deepseek",
            ["PROVIDERS:OPENROUTER:APIKEY"] = "sk-or-key",
        });

        Assert.Equal(["deepseek", "openrouter"], services.GetServices<IChatProvider>().Select(p => p.Name));
    }

    [Fact]
    public void Target_has_the_default_base_url_and_a_credential_named_after_the_section()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:DeepSeek:ApiKey"] = "sk-deepseek-123" });

        var target = ((FixedCallTarget)Assert.IsType<RoutedChatProvider>(services.Provider("deepseek")).Targets).Target;

        Assert.Equal("deepseek", target.Provider);
        Assert.Equal(new Uri("https://api.deepseek.com"), target.BaseUrl);
        Assert.Null(target.Region);
        Assert.Equal("config:deepseek", target.Credential.Id);
        Assert.Equal("sk-deepseek-123", target.Credential.ApiKey);
        Assert.DoesNotContain("sk-deepseek-123", target.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_base_url_replaces_the_default()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:ApiKey"] = "sk-openai",
            ["Providers:OpenAI:BaseUrl"] = "https://gateway.example.com/openai/v1/",
        });

        var target = ((FixedCallTarget)Assert.IsType<RoutedChatProvider>(services.Provider("openai")).Targets).Target;

        Assert.Equal(new Uri("https://gateway.example.com/openai/v1/"), target.BaseUrl);
    }

    [Fact]
    public void Provider_switched_off_is_not_registered_even_with_a_key()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:ApiKey"] = "sk-openai",
            ["Providers:OpenAI:Enabled"] = "false",
        });

        services.ValidateOnStart();

        Assert.Empty(services.GetServices<IChatProvider>());
    }

    [Fact]
    public void Ollama_is_on_when_its_base_url_is_set_and_needs_no_key()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:Ollama:BaseUrl"] = "http://127.0.0.1:11434/v1" });

        services.ValidateOnStart();

        var target = ((FixedCallTarget)Assert.IsType<RoutedChatProvider>(services.Provider("ollama")).Targets).Target;
        Assert.Equal(new Uri("http://127.0.0.1:11434/v1"), target.BaseUrl);
        Assert.Equal(string.Empty, target.Credential.ApiKey);
        Assert.Equal("config:ollama", target.Credential.Id);
    }

    [Fact]
    public void Ollama_with_only_a_key_stays_off()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:Ollama:ApiKey"] = "ollama-cloud-key" });

        services.ValidateOnStart();

        Assert.Empty(services.GetServices<IChatProvider>());
    }

    [Fact]
    public void Serves_every_bare_name_when_no_models_are_listed()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:XAI:ApiKey"] = "xai-key" });

        var provider = services.Provider("xai");

        Assert.True(provider.Serves("grok-4"));
        Assert.True(provider.Serves("anything"));
    }

    [Fact]
    public void Serves_only_the_listed_models_when_some_are_listed()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:ApiKey"] = "sk-openai",
            ["Providers:OpenAI:Models:0"] = "gpt-4o-mini",
            ["Providers:OpenAI:Models:1"] = "gpt-4o",
        });

        var provider = services.Provider("openai");

        Assert.True(provider.Serves("gpt-4o-mini"));
        Assert.True(provider.Serves("gpt-4o"));
        Assert.False(provider.Serves("claude-3-5-sonnet"));
        Assert.False(provider.Serves("GPT-4O"));
    }

    [Fact]
    public void Registering_twice_registers_each_provider_once()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Providers:OpenAI:ApiKey"] = "sk-openai" })
            .Build();
        var collection = new ServiceCollection().AddLogging();
        collection.AddOpenAIChatAdapter(configuration).AddConfiguredProviders(configuration);
        collection.AddOpenAIChatAdapter(configuration).AddConfiguredProviders(configuration);
        using var services = collection.BuildServiceProvider();

        services.ValidateOnStart();

        Assert.Equal("openai", Assert.Single(services.GetServices<IChatProvider>()).Name);
        Assert.Single(services.GetServices<IChatAdapter>());
    }

    [Fact]
    public void Enabled_provider_without_an_adapter_for_its_protocol_fails_start_up()
    {
        using var services = ConfiguredProvidersHost.Build(
            new Dictionary<string, string?> { ["Providers:OpenAI:ApiKey"] = "sk-openai" },
            withAdapters: false);

        var failures = services.StartupFailures();

        Assert.Contains("Providers:OpenAI is enabled, but no chat adapter for its protocol 'openai-chat' is registered.", failures);
    }
}
