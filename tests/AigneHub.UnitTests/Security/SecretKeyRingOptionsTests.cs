using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Security;

public sealed class SecretKeyRingOptionsTests
{
    private static readonly string Key1 = TestSecretKeys.Key(1);
    private static readonly string Key2 = TestSecretKeys.Key(2);
    private static readonly string ShortKey = TestSecretKeys.Key(3, length: 16);

    [Fact]
    public void Configured_ring_passes_start_up_validation_and_provides_the_protector()
    {
        using var services = Build(new()
        {
            ["Secrets:ActiveKeyId"] = "key-2",
            ["Secrets:Keys:key-1"] = Key1,
            ["Secrets:Keys:key-2"] = Key2,
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        var protector = services.GetRequiredService<ISecretProtector>();

        Assert.Equal("key-2", protector.ActiveKeyId);
        Assert.Equal("sk-x", protector.Unprotect(protector.Protect("sk-x", "test"), "test"));
        Assert.Equal(["key-1", "key-2"], services.GetRequiredService<SecretKeyRing>().KeyIds);
    }

    [Fact]
    public void Nothing_configured_on_an_external_database_fails_with_a_pointer_to_the_docs()
    {
        using var services = Build(new());

        var failure = Assert.Single(StartUpFailures(services));

        Assert.StartsWith("Secrets:ActiveKeyId is not set: configure a key ring (see docs/configuration.md", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_without_an_active_key_id_fail_naming_the_ids()
    {
        using var services = Build(new() { ["Secrets:Keys:key-1"] = Key1 });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.Contains("Secrets:ActiveKeyId is not set", failure, StringComparison.Ordinal);
        Assert.Contains("'key-1'", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(Key1, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Active_key_id_missing_from_the_ring_fails_naming_it()
    {
        using var services = Build(new() { ["Secrets:ActiveKeyId"] = "key-9", ["Secrets:Keys:key-1"] = Key1 });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.Equal("Secrets:ActiveKeyId 'key-9' is not in Secrets:Keys (key ids: 'key-1').", failure);
    }

    [Fact]
    public void Key_of_the_wrong_length_fails_naming_its_id_but_not_the_key()
    {
        using var services = Build(new()
        {
            ["Secrets:ActiveKeyId"] = "key-1",
            ["Secrets:Keys:key-1"] = Key1,
            ["Secrets:Keys:old"] = ShortKey,
        });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.StartsWith("Secrets:Keys:old decodes to 16 bytes; an AES-256 key is exactly 32 bytes", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(ShortKey, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_that_is_not_base64_fails_without_being_quoted()
    {
        const string NotBase64 = "this is my secret passphrase!";
        using var services = Build(new() { ["Secrets:ActiveKeyId"] = "key-1", ["Secrets:Keys:key-1"] = NotBase64 });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.StartsWith("Secrets:Keys:key-1 is not valid base64", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("passphrase", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_key_id_fails_naming_it()
    {
        using var services = Build(new() { ["Secrets:ActiveKeyId"] = "key-1", ["Secrets:Keys:key-1"] = Key1, ["Secrets:Keys:my key!"] = Key2 });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.Equal("Secrets:Keys has an invalid key id 'my key!': a key id is 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'.", failure);
        Assert.DoesNotContain(Key2, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_pasted_where_its_id_belongs_is_not_echoed()
    {
        var options = new SecretKeyRingOptions { ActiveKeyId = "key-1", Keys = { ["key-1"] = Key1, [Key2] = "key-2" } };

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(options, embeddedDataPath: null));

        Assert.Contains("looks like key material", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key2, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_no_key_is_printed()
    {
        var options = new SecretKeyRingOptions
        {
            ActiveKeyId = "missing",
            Keys = { ["short"] = ShortKey, ["bad id"] = Key1, ["fine"] = Key2 },
        };

        Assert.Null(SecretKeyRing.TryLoad(options, embeddedDataPath: null, out var failures));

        Assert.Equal(3, failures.Count);
        foreach (var key in new[] { ShortKey, Key1, Key2 })
        {
            Assert.DoesNotContain(failures, f => f.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Key_id_with_a_trailing_newline_is_refused()
    {
        var options = new SecretKeyRingOptions { ActiveKeyId = "key-1\n", Keys = { ["key-1\n"] = Key1 } };

        Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(options, embeddedDataPath: null));
    }

    [Fact]
    public void Key_file_and_inline_keys_together_are_refused()
    {
        using var services = Build(new() { ["Secrets:KeyFile"] = "/etc/aignehub/keys.json", ["Secrets:ActiveKeyId"] = "key-1", ["Secrets:Keys:key-1"] = Key1 });

        var failure = Assert.Single(StartUpFailures(services));

        Assert.Equal("Set either Secrets:KeyFile or Secrets:ActiveKeyId with Secrets:Keys, not both.", failure);
    }

    [Fact]
    public void Text_form_of_the_ring_names_ids_only()
    {
        var ring = TestSecretKeys.Ring("key-1", "key-1");

        Assert.Equal("SecretKeyRing { ActiveKeyId = key-1, KeyIds = [key-1] }", ring.ToString());
    }

    private static IReadOnlyList<string> StartUpFailures(ServiceProvider services) =>
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate()).Failures.ToArray();

    private static ServiceProvider Build(Dictionary<string, string?> settings, string? embeddedDataPath = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSecretProtection(configuration, embeddedDataPath).BuildServiceProvider();
    }
}
