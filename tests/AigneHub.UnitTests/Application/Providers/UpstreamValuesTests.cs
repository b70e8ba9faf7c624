using AigneHub.Application.Abstractions;
using AigneHub.Application.Providers.Commands.AddCredential;
using AigneHub.Application.Providers.Commands.RegisterProvider;
using AigneHub.Application.Providers.Commands.UpdateProvider;
using AigneHub.Application.Providers;

namespace AigneHub.UnitTests.Application.Providers;

/// <summary>Values the hub writes into upstream requests: refused with the field named when they hold a control character or are too long.</summary>
public sealed class UpstreamValuesTests
{
    [Theory]
    [InlineData("sk-abc\r\nX-Injected: yes")]
    [InlineData("sk-abc\n")]
    [InlineData("sk-abc\0")]
    [InlineData("sk-\u007fabc")]
    [InlineData("sk-\u0085abc")]
    public void An_api_key_with_a_control_character_is_refused_naming_api_key(string apiKey)
    {
        var result = new AddCredentialCommandValidator().Validate(new AddCredentialCommand("openai", 1, "main", 1, apiKey, null, null, "owner"));

        Assert.Contains(result.Errors, f => f.ErrorMessage.StartsWith("api_key must not contain control characters", StringComparison.Ordinal));
        Assert.All(result.Errors, f => Assert.Equal("api_key", f.PropertyName));
        Assert.All(result.Errors, f => Assert.DoesNotContain("X-Injected", f.ErrorMessage, StringComparison.Ordinal));
    }

    [Fact]
    public void An_api_key_over_4096_characters_is_refused()
    {
        var result = new AddCredentialCommandValidator().Validate(new AddCredentialCommand("openai", 1, "main", 1, "sk-" + new string('k', 4100), null, null, "owner"));

        Assert.Equal("api_key", Assert.Single(result.Errors).PropertyName);
    }

    [Theory]
    [InlineData("FAKEKEYIDFORTESTS000\n", "fake/secret-access-key/for-tests", "access_key_id")]
    [InlineData("FAKEKEYIDFORTESTS000", "fake/secret-access-key\r\nX-Injected: yes", "secret_access_key")]
    public void An_access_key_pair_with_a_control_character_is_refused_naming_the_field(string accessKeyId, string secret, string field)
    {
        var result = new AddCredentialCommandValidator().Validate(new AddCredentialCommand("bedrock", 1, "main", 1, null, accessKeyId, secret, "owner"));

        Assert.Contains(result.Errors, f => f.PropertyName == field);
        Assert.All(result.Errors, f => Assert.Equal(field, f.PropertyName));
    }

    [Theory]
    [InlineData("http://10.0.0.1/v1\r\nX-Injected: yes", null, "base_url")]
    [InlineData("http://10.0.0.1/v1\t", null, "base_url")]
    [InlineData(null, "us-east-1\n", "region")]
    [InlineData(null, "us-east-1\r\n", "region")]
    public void An_endpoint_with_a_control_character_is_refused_on_register_and_update(string? baseUrl, string? region, string field)
    {
        var registered = new RegisterProviderCommandValidator().Validate(new RegisterProviderCommand("bedrock", null, baseUrl, region, "owner"));
        var updated = new UpdateProviderCommandValidator().Validate(new UpdateProviderCommand("bedrock", 1, baseUrl, region, "owner", new Caller("owner", AigneHub.Domain.Access.UserRole.Owner, null, null, new HashSet<string>())));

        Assert.Contains(registered.Errors, f => f.PropertyName == field);
        Assert.Contains(updated.Errors, f => f.PropertyName == field);
    }

    [Fact]
    public void A_decrypted_credential_names_its_first_unsendable_field()
    {
        Assert.Null(UpstreamValues.UnsendableField(ProviderCredential.ForApiKey("c1", "sk-fine")));
        Assert.Equal("api_key", UpstreamValues.UnsendableField(ProviderCredential.ForApiKey("c1", "sk-x\r\nX: y")));
        Assert.Equal("access_key_id", UpstreamValues.UnsendableField(ProviderCredential.ForAccessKeyPair("c1", "AKIA\n", "secret")));
        Assert.Equal("secret_access_key", UpstreamValues.UnsendableField(ProviderCredential.ForAccessKeyPair("c1", "AKIA", "se\0cret")));
        Assert.Equal("base_url", UpstreamValues.UnsendableEndpointField("http://x/\n", null));
        Assert.Equal("region", UpstreamValues.UnsendableEndpointField(null, new string('a', 65)));
        Assert.Null(UpstreamValues.UnsendableEndpointField("https://api.openai.com/v1", "us-east-1"));
    }
}
