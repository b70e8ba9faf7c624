using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.OpenAI;

public sealed class OpenAIProviderOptionsTests
{
    [Fact]
    public void Provider_is_enabled_exactly_when_a_key_is_set_unless_told_otherwise()
    {
        Assert.False(new OpenAIProviderOptions().IsEnabled);
        Assert.True(new OpenAIProviderOptions { ApiKey = "sk-x" }.IsEnabled);
        Assert.False(new OpenAIProviderOptions { ApiKey = "sk-x", Enabled = false }.IsEnabled);
        Assert.True(new OpenAIProviderOptions { Enabled = true }.IsEnabled);
    }

    [Fact]
    public void Defaults_point_at_openai_with_documented_timeouts()
    {
        var options = new OpenAIProviderOptions();

        Assert.Equal("https://api.openai.com/v1", options.BaseUrl);
        Assert.Equal(100, options.TimeoutSeconds);
        Assert.Equal(60, options.StreamIdleTimeoutSeconds);
        Assert.Empty(options.Models);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/chat/completions")]
    public void Endpoint_is_joined_to_the_base_url_with_one_slash(string baseUrl, string expected)
    {
        var options = new OpenAIProviderOptions { BaseUrl = baseUrl };

        Assert.Equal(new Uri(expected), options.ResolveEndpoint("chat/completions"));
    }

    [Fact]
    public void Enabled_provider_without_a_key_fails_start_up_validation()
    {
        using var services = Build(new() { ["Providers:OpenAI:Enabled"] = "true" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Providers:OpenAI:ApiKey is required when the provider is enabled.", error.Failures);
    }

    [Theory]
    [InlineData("api.openai.com/v1")]
    [InlineData("/v1")]
    [InlineData("ftp://api.openai.com/v1")]
    [InlineData("")]
    public void Enabled_provider_without_an_absolute_http_base_url_fails_start_up_validation(string baseUrl)
    {
        using var services = Build(new() { ["Providers:OpenAI:ApiKey"] = "sk-x", ["Providers:OpenAI:BaseUrl"] = baseUrl });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Providers:OpenAI:BaseUrl must be an absolute http or https URL.", error.Failures);
    }

    [Fact]
    public void Out_of_range_timeouts_fail_validation()
    {
        var failures = new OpenAIProviderOptions { ApiKey = "sk-x", TimeoutSeconds = 0, StreamIdleTimeoutSeconds = -1 }.Validate();

        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public void Validation_failure_about_the_key_does_not_quote_it()
    {
        var failures = new OpenAIProviderOptions { ApiKey = "sk-secret value" }.Validate();

        var failure = Assert.Single(failures);
        Assert.DoesNotContain("sk-secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_provider_is_valid_and_not_registered()
    {
        using var services = Build(new() { ["Providers:OpenAI:BaseUrl"] = "not a url" });

        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Empty(services.GetServices<IChatProvider>());
    }

    [Fact]
    public void Provider_switched_off_is_not_registered_even_with_a_key()
    {
        using var services = Build(new() { ["Providers:OpenAI:ApiKey"] = "sk-x", ["Providers:OpenAI:Enabled"] = "false" });

        Assert.Empty(services.GetServices<IChatProvider>());
    }

    [Fact]
    public void Provider_with_a_key_is_registered_once()
    {
        var configuration = Configuration(new() { ["Providers:OpenAI:ApiKey"] = "sk-x" });
        var collection = new ServiceCollection().AddLogging();
        collection.AddOpenAIProvider(configuration);
        collection.AddOpenAIProvider(configuration);
        using var services = collection.BuildServiceProvider();

        services.GetRequiredService<IStartupValidator>().Validate();

        var provider = Assert.Single(services.GetServices<IChatProvider>());
        Assert.Equal("openai", provider.Name);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOpenAIProvider(Configuration(settings));
        return services.BuildServiceProvider();
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
