using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Configured;

namespace AigneHub.UnitTests.Providers.Configured;

/// <summary>One place decides a provider's endpoint, for calls and credential probes alike.</summary>
public sealed class ProviderProfilesTests
{
    private static readonly ProviderProfiles Profiles = new(
    [
        new ProviderProfile("openai", "openai-chat") { DefaultBaseUrl = new Uri("https://api.openai.com/v1") },
        new ProviderProfile("bedrock", BedrockConverseAdapter.ProtocolName) { RegionalBaseUrl = r => BedrockEndpoint.DefaultFor("bedrock", r) },
        new ProviderProfile("ollama", "openai-chat") { RequiresApiKey = false },
    ]);

    [Fact]
    public void A_configured_base_url_wins_over_every_default()
    {
        Assert.Equal(new Uri("http://proxy.local/v1"), Profiles.BaseUrlFor("bedrock", "http://proxy.local/v1", "us-east-1"));
        Assert.Equal(new Uri("http://proxy.local/v1"), Profiles.BaseUrlFor("openai", "http://proxy.local/v1", null));
    }

    [Fact]
    public void Bedrock_defaults_to_the_runtime_endpoint_of_its_region()
    {
        Assert.Equal(new Uri("https://bedrock-runtime.eu-west-1.amazonaws.com"), Profiles.BaseUrlFor("bedrock", null, "eu-west-1"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("evil.example.com/x")]
    public void Bedrock_without_a_valid_region_has_no_endpoint(string? region)
    {
        Assert.Null(Profiles.BaseUrlFor("bedrock", null, region));
    }

    [Fact]
    public void Providers_with_a_public_endpoint_use_it_and_local_servers_have_none()
    {
        Assert.Equal(new Uri("https://api.openai.com/v1"), Profiles.BaseUrlFor("openai", null, null));
        Assert.Null(Profiles.BaseUrlFor("ollama", null, null));
    }
}
