namespace AigneHub.UnitTests.Providers.Configured;

/// <summary>Start-up validation of "Providers:&lt;Name&gt;" sections: clear messages that name the key, never the secret.</summary>
public sealed class ConfiguredProviderValidationTests
{
    [Theory]
    [InlineData("OpenAI")]
    [InlineData("DeepSeek")]
    [InlineData("OpenRouter")]
    [InlineData("XAI")]
    [InlineData("Doubao")]
    [InlineData("Poe")]
    public void Enabled_provider_without_a_key_fails_start_up_naming_the_key(string section)
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { [$"Providers:{section}:Enabled"] = "true" });

        var failures = services.StartupFailures();

        Assert.Equal([$"Providers:{section}:ApiKey is required when the provider is enabled."], failures);
    }

    [Theory]
    [InlineData("api.openai.com/v1")]
    [InlineData("/v1")]
    [InlineData("ftp://api.openai.com/v1")]
    [InlineData("not a url")]
    public void Enabled_provider_with_a_base_url_that_is_not_absolute_http_fails_start_up(string baseUrl)
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:DeepSeek:ApiKey"] = "sk-deepseek",
            ["Providers:DeepSeek:BaseUrl"] = baseUrl,
        });

        var failures = services.StartupFailures();

        Assert.Equal(["Providers:DeepSeek:BaseUrl must be an absolute http or https URL."], failures);
    }

    [Fact]
    public void Empty_base_url_means_the_default()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:ApiKey"] = "sk-openai",
            ["Providers:OpenAI:BaseUrl"] = "",
        });

        Assert.Empty(services.StartupFailures());
    }

    [Fact]
    public void Ollama_switched_on_without_a_base_url_fails_start_up_because_it_has_no_default()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:Ollama:Enabled"] = "true" });

        var failures = services.StartupFailures();

        Assert.Equal(["Providers:Ollama:BaseUrl is required when the provider is enabled: ollama has no default base URL."], failures);
    }

    [Fact]
    public void Every_problem_of_every_provider_is_reported_at_once()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:XAI:Enabled"] = "true",
            ["Providers:XAI:BaseUrl"] = "x.ai",
            ["Providers:XAI:Models:0"] = " ",
            ["Providers:Poe:Enabled"] = "true",
        });

        var failures = services.StartupFailures();

        string[] expected =
        [
            "Providers:Poe:ApiKey is required when the provider is enabled.",
            "Providers:XAI:ApiKey is required when the provider is enabled.",
            "Providers:XAI:BaseUrl must be an absolute http or https URL.",
            "Providers:XAI:Models must not contain empty names.",
        ];
        Assert.Equal(expected, failures.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("https://api.deepseek.com\r\nX-Injected: yes")]
    [InlineData("https://api.deepseek.com/\u0000")]
    [InlineData("https://api.deepseek.com/\u0085v1")]
    public void A_base_url_with_a_control_character_fails_start_up_without_quoting_it(string baseUrl)
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:DeepSeek:ApiKey"] = "sk-deepseek",
            ["Providers:DeepSeek:BaseUrl"] = baseUrl,
        });

        var failure = Assert.Single(services.StartupFailures());

        Assert.Equal("Providers:DeepSeek:BaseUrl must not contain control characters (such as CR, LF or NUL) and must be at most 2048 characters.", failure);
    }

    [Fact]
    public void A_key_over_the_length_limit_fails_start_up_without_quoting_it()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:OpenAI:ApiKey"] = "sk-" + new string('k', 5000) });

        var failure = Assert.Single(services.StartupFailures());

        Assert.Equal("Providers:OpenAI:ApiKey must be at most 4096 characters.", failure);
    }

    [Fact]
    public void Validation_failure_about_the_key_does_not_quote_it()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:OpenRouter:ApiKey"] = "sk-or-secret value" });

        var failure = Assert.Single(services.StartupFailures());

        Assert.Equal("Providers:OpenRouter:ApiKey must not contain whitespace or control characters.", failure);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_provider_is_valid_whatever_its_section_holds()
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenAI:BaseUrl"] = "not a url",
            ["Providers:Doubao:ApiKey"] = "ark key with spaces",
            ["Providers:Doubao:Enabled"] = "false",
        });

        Assert.Empty(services.StartupFailures());
    }
}
