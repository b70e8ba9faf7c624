using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using AigneHub.Domain.Secrets;

namespace AigneHub.UnitTests.Domain.Providers;

public sealed class ProviderDecisionsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static EncryptedSecret Secret() => EncryptedSecretFixture.Create();

    private static ProviderConfig Registered(string provider = "openai", string? baseUrl = null, string? region = null) =>
        ProviderConfig.Create(ProviderDecisions.Register(null, new NewProvider(provider, provider, baseUrl, region), "admin", At));

    private static ProviderConfig WithCredential(ProviderConfig config, Guid id, string name = "main")
    {
        config.Apply(ProviderDecisions.AddCredential(config, new NewCredential(id, name, CredentialKind.ApiKey, 10, Secret(), "sk-a****wxyz", null), "admin", At));
        return config;
    }

    [Fact]
    public void Registering_a_known_provider_starts_it_enabled()
    {
        var config = Registered("anthropic");

        Assert.Equal(("anthropic", true), (config.Id, config.Enabled));
    }

    [Theory]
    [InlineData("openai-clone")]
    [InlineData("demo")]
    public void Only_the_fixed_list_of_providers_can_be_registered(string provider)
    {
        var error = Assert.Throws<ProviderRuleException>(() => ProviderDecisions.Register(null, new NewProvider(provider, provider, null, null), "admin", At));

        Assert.Equal("provider", error.Field);
    }

    [Fact]
    public void A_provider_is_registered_once()
    {
        var error = Assert.Throws<ProviderRuleException>(() => ProviderDecisions.Register(Registered(), new NewProvider("openai", "OpenAI", null, null), "admin", At));

        Assert.True(error.IsConflict);
    }

    [Fact]
    public void Ollama_needs_a_base_url_and_bedrock_a_region()
    {
        Assert.Equal("base_url", Assert.Throws<ProviderRuleException>(() => ProviderDecisions.Register(null, new NewProvider("ollama", "Ollama", null, null), "a", At)).Field);
        Assert.Equal("region", Assert.Throws<ProviderRuleException>(() => ProviderDecisions.Register(null, new NewProvider("bedrock", "Bedrock", null, null), "a", At)).Field);
        Assert.NotNull(ProviderDecisions.Register(null, new NewProvider("ollama", "Ollama", "http://127.0.0.1:11434/v1", null), "a", At));
        Assert.NotNull(ProviderDecisions.Register(null, new NewProvider("bedrock", "Bedrock", null, "us-east-1"), "a", At));
    }

    [Fact]
    public void Only_an_owner_moves_the_base_url_of_a_provider_that_holds_credentials()
    {
        // The hub sends a provider's stored credentials to its base URL: an admin who could move it would receive them.
        var holding = WithCredential(Registered("openrouter", "https://openrouter.ai/api/v1"), Guid.NewGuid());
        var empty = Registered("poe", "https://api.poe.com/v1");

        var refused = Assert.Throws<AigneHub.Domain.Access.AccessRuleException>(() =>
            ProviderDecisions.ChangeEndpoint(holding, "http://attacker.example/v1", null, AigneHub.Domain.Access.UserRole.Admin, "admin", At));

        Assert.Equal(("base_url", true), (refused.Field, refused.IsForbidden));
        Assert.Equal("http://attacker.example/v1", ProviderDecisions.ChangeEndpoint(holding, "http://attacker.example/v1", null, AigneHub.Domain.Access.UserRole.Owner, "owner", At).BaseUrl);
        // The provider's own public endpoint, an unchanged base URL and a provider without credentials: any admin.
        Assert.Null(ProviderDecisions.ChangeEndpoint(holding, null, null, AigneHub.Domain.Access.UserRole.Admin, "admin", At).BaseUrl);
        Assert.Equal("https://openrouter.ai/api/v1", ProviderDecisions.ChangeEndpoint(holding, "https://openrouter.ai/api/v1", null, AigneHub.Domain.Access.UserRole.Admin, "admin", At).BaseUrl);
        Assert.Equal("http://elsewhere.example/v1", ProviderDecisions.ChangeEndpoint(empty, "http://elsewhere.example/v1", null, AigneHub.Domain.Access.UserRole.Admin, "admin", At).BaseUrl);
    }

    [Fact]
    public void Bedrock_takes_an_access_key_pair_and_the_others_an_api_key()
    {
        var bedrock = Registered("bedrock", region: "us-east-1");
        var openai = Registered();

        Assert.Equal("kind", Assert.Throws<ProviderRuleException>(() =>
            ProviderDecisions.AddCredential(bedrock, new NewCredential(Guid.NewGuid(), "k", CredentialKind.ApiKey, 1, Secret(), "****", null), "a", At)).Field);
        Assert.Equal("kind", Assert.Throws<ProviderRuleException>(() =>
            ProviderDecisions.AddCredential(openai, new NewCredential(Guid.NewGuid(), "k", CredentialKind.AccessKeyPair, 1, Secret(), "****", "AKIA"), "a", At)).Field);
    }

    [Fact]
    public void Credential_names_are_unique_per_provider_and_weights_bounded()
    {
        var config = WithCredential(Registered(), Guid.NewGuid(), "main");

        Assert.Equal("name", Assert.Throws<ProviderRuleException>(() =>
            ProviderDecisions.AddCredential(config, new NewCredential(Guid.NewGuid(), "MAIN", CredentialKind.ApiKey, 1, Secret(), "****", null), "a", At)).Field);
        Assert.Equal("weight", Assert.Throws<ProviderRuleException>(() =>
            ProviderDecisions.AddCredential(config, new NewCredential(Guid.NewGuid(), "other", CredentialKind.ApiKey, 0, Secret(), "****", null), "a", At)).Field);
    }

    [Fact]
    public void Disabling_a_credential_records_the_reason_and_the_upstream_status_once()
    {
        var id = Guid.NewGuid();
        var config = WithCredential(Registered(), id);

        var first = Assert.Single(ProviderDecisions.DisableCredential(config, id, "refused by upstream", 401, "system", At));
        config.Apply((CredentialDisabled)first);
        var again = ProviderDecisions.DisableCredential(config, id, "refused by upstream", 401, "system", At);

        Assert.Empty(again);
        var credential = config.Credential(id)!;
        Assert.Equal((false, "refused by upstream", (int?)401), (credential.Enabled, credential.DisabledReason, credential.DisabledByStatus));
    }

    [Fact]
    public void Re_enabling_clears_the_disabled_state()
    {
        var id = Guid.NewGuid();
        var config = WithCredential(Registered(), id);
        config.Apply(new CredentialDisabled(id, "x", 403, "system", At));

        config.Apply((CredentialReEnabled)Assert.Single(ProviderDecisions.EnableCredential(config, id, "admin", At)));

        Assert.Equal((true, (string?)null), (config.Credential(id)!.Enabled, config.Credential(id)!.DisabledReason));
    }

    [Fact]
    public void Unknown_credentials_are_refused_naming_the_field()
    {
        var error = Assert.Throws<ProviderRuleException>(() => ProviderDecisions.RemoveCredential(Registered(), Guid.NewGuid(), "a", At));

        Assert.Equal("credential_id", error.Field);
    }

    [Fact]
    public void Re_encrypting_replaces_the_secret_and_nothing_else()
    {
        var id = Guid.NewGuid();
        var config = WithCredential(Registered(), id);
        var before = config.Credential(id)!;
        var reEncrypted = EncryptedSecret.Create("new-key", new byte[EncryptedSecret.NonceSize], [4, 5, 6], new byte[EncryptedSecret.TagSize]);

        var e = ProviderDecisions.ReEncrypt(config, id, reEncrypted, At.AddDays(1));
        config.Apply(e);

        Assert.Equal((id, reEncrypted, At.AddDays(1)), (e.CredentialId, e.Secret, e.At));
        Assert.Equal(before with { Secret = reEncrypted }, config.Credential(id));
    }

    [Fact]
    public void Re_encrypting_an_unknown_credential_is_refused_naming_the_field()
    {
        var config = WithCredential(Registered(), Guid.NewGuid());

        var error = Assert.Throws<ProviderRuleException>(() => ProviderDecisions.ReEncrypt(config, Guid.NewGuid(), Secret(), At));

        Assert.Equal("credential_id", error.Field);
        Assert.False(error.IsConflict);
    }

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state()
    {
        var id = Guid.NewGuid();
        var registered = new ProviderRegistered("openai", "OpenAI", null, null, "a", At);
        object[] events =
        [
            new CredentialAdded(id, "main", CredentialKind.ApiKey, 5, Secret(), "sk-a****wxyz", null, "a", At),
            new CredentialWeightChanged(id, 7, "a", At),
            new ProviderDisabled("maintenance", "a", At),
            new ProviderEndpointChanged("https://proxy.example/v1", null, "a", At.AddMinutes(1)),
        ];

        var config = ProviderConfig.Create(registered);
        foreach (var e in events)
        {
            ((dynamic)config).Apply((dynamic)e);
        }

        Assert.Equal((false, "maintenance", "https://proxy.example/v1", 7), (config.Enabled, config.DisabledReason, config.BaseUrl, config.Credentials[0].Weight));
        Assert.Equal(At.AddMinutes(1), config.UpdatedAt);
    }
}

internal static class EncryptedSecretFixture
{
    public static EncryptedSecret Create() => EncryptedSecret.Create("test-key", new byte[EncryptedSecret.NonceSize], [1, 2, 3], new byte[EncryptedSecret.TagSize]);
}
