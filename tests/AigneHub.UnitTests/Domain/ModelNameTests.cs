using AigneHub.Domain.Models;

namespace AigneHub.UnitTests.Domain;

public sealed class ModelNameTests
{
    [Theory]
    [InlineData("openai/gpt-4o-mini", "openai", "gpt-4o-mini")]
    [InlineData("openrouter/openai/gpt-4o", "openrouter", "openai/gpt-4o")]
    [InlineData("demo/echo", "demo", "echo")]
    public void Prefixed_name_routes_to_the_named_provider(string value, string provider, string model)
    {
        Assert.True(ModelName.TryParse(value, out var name));
        Assert.Equal(provider, name.Provider);
        Assert.Equal(model, name.Model);
        Assert.Equal(value, name.ToString());
    }

    [Theory]
    [InlineData("OpenAI/gpt-4o", "openai", "gpt-4o")]
    [InlineData("OPENROUTER/openai/gpt-4o", "openrouter", "openai/gpt-4o")]
    [InlineData("xAI/grok-3", "xai", "grok-3")]
    public void A_provider_prefix_in_another_case_names_that_provider_in_its_own_spelling(string value, string provider, string model)
    {
        // An allow-list of "openai/*" matches "OpenAI/gpt-4o" (patterns ignore case): routing must read the same
        // provider, not a bare name that any provider without a model list would serve.
        Assert.True(ModelName.TryParse(value, out var name));
        Assert.Equal(provider, name.Provider);
        Assert.Equal(model, name.Model);
        Assert.False(ProviderNames.IsKnown(value[..value.IndexOf('/')]));
    }

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("meta-llama/Llama-3-8B")]
    public void Name_without_a_known_provider_prefix_is_bare(string value)
    {
        Assert.True(ModelName.TryParse(value, out var name));
        Assert.True(name.IsBare);
        Assert.Equal(value, name.Model);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" gpt-4o")]
    [InlineData("openai/")]
    [InlineData("/gpt-4o")]
    [InlineData("vendor/")]
    public void Malformed_names_are_refused(string? value)
    {
        Assert.False(ModelName.TryParse(value, out _));
    }

    [Fact]
    public void Overlong_names_are_refused()
    {
        Assert.False(ModelName.TryParse("openai/" + new string('x', ModelName.MaxLength), out _));
    }
}

public sealed class ProviderDisplayNameTests
{
    [Theory]
    [InlineData("xai", "xAI")]
    [InlineData("bedrock", "Amazon Bedrock")]
    [InlineData("demo", "Demo (built in)")]
    [InlineData("my-local-llm", "my-local-llm")]
    public void Providers_are_named_as_people_write_them(string provider, string expected) =>
        Assert.Equal(expected, AigneHub.Domain.Models.ProviderNames.DisplayNameOf(provider));
}
