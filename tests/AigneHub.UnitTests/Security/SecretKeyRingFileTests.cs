using System.Text.Json;
using System.Text.RegularExpressions;
using AigneHub.Infrastructure.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Security;

public sealed class SecretKeyRingFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode GroupReadable = OwnerOnly | UnixFileMode.GroupRead;

    private readonly DirectoryInfo _dataFolder = Directory.CreateTempSubdirectory("aignehub-secrets-");

    private string LocalFile => Path.Combine(_dataFolder.FullName, "secrets.json");

    public void Dispose() => _dataFolder.Delete(recursive: true);

    [Fact]
    public void Embedded_hub_without_a_key_ring_creates_an_owner_only_key_file()
    {
        var ring = SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName);

        Assert.True(File.Exists(LocalFile));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(LocalFile));
        Assert.Matches(new Regex(@"^local-\d{8}$"), ring.ActiveKeyId);
        Assert.Equal([ring.ActiveKeyId], ring.KeyIds);
        Assert.Contains("(created now)", ring.Source, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllText(LocalFile));
        var key = document.RootElement.GetProperty("keys").GetProperty(ring.ActiveKeyId).GetString()!;
        Assert.Equal(ring.ActiveKeyId, document.RootElement.GetProperty("activeKeyId").GetString());
        Assert.Equal(SecretKeyRing.KeySize, Convert.FromBase64String(key).Length);
        Assert.Empty(Directory.GetFiles(_dataFolder.FullName, "*.tmp"));
    }

    [Fact]
    public void Key_file_is_reused_on_the_next_start()
    {
        var first = new AesGcmSecretProtector(SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName));
        var secret = first.Protect("sk-live-0123456789abcdef", "provider-credential:1");
        var written = File.ReadAllText(LocalFile);

        var second = new AesGcmSecretProtector(SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName));

        Assert.Equal(first.ActiveKeyId, second.ActiveKeyId);
        Assert.Equal("sk-live-0123456789abcdef", second.Unprotect(secret, "provider-credential:1"));
        Assert.Equal(written, File.ReadAllText(LocalFile));
    }

    [Fact]
    public void Missing_data_folder_is_created()
    {
        var dataPath = Path.Combine(_dataFolder.FullName, "nested", "data");

        SecretKeyRing.Load(new SecretKeyRingOptions(), dataPath);

        Assert.True(File.Exists(Path.Combine(dataPath, "secrets.json")));
    }

    [Fact]
    public void Key_file_readable_by_others_is_refused()
    {
        var ring = SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName);
        var key = KeyIn(LocalFile, ring.ActiveKeyId);
        File.SetUnixFileMode(LocalFile, WorldReadable);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName));

        Assert.Contains("(mode 644)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{LocalFile}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
        Assert.Equal(WorldReadable, File.GetUnixFileMode(LocalFile));
    }

    [Fact]
    public void Hubs_own_key_file_readable_by_its_group_is_refused()
    {
        SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName);
        File.SetUnixFileMode(LocalFile, GroupReadable);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName));

        Assert.Contains("(mode 640)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsafe_key_file_stops_start_up_validation()
    {
        SecretKeyRing.Load(new SecretKeyRingOptions(), _dataFolder.FullName);
        File.SetUnixFileMode(LocalFile, WorldReadable);
        using var services = new ServiceCollection()
            .AddSecretProtection(new ConfigurationBuilder().Build(), _dataFolder.FullName)
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains("chmod 600", StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_key_ring_wins_over_the_embedded_default()
    {
        var ring = SecretKeyRing.Load(TestSecretKeys.Options("key-1", "key-1"), _dataFolder.FullName);

        Assert.Equal("key-1", ring.ActiveKeyId);
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public void Configured_key_file_is_loaded_instead_of_inline_keys()
    {
        var path = WriteKeyFile("""{ "activeKeyId": "key-2", "keys": { "key-1": "KEY1", "key-2": "KEY2" } }""", GroupReadable);

        var ring = SecretKeyRing.Load(new SecretKeyRingOptions { KeyFile = path }, embeddedDataPath: null);

        Assert.Equal("key-2", ring.ActiveKeyId);
        Assert.Equal(["key-1", "key-2"], ring.KeyIds);
        Assert.Equal($"key file '{path}'", ring.Source);
    }

    [Fact]
    public void Configured_key_file_readable_by_every_user_is_refused()
    {
        var path = WriteKeyFile("""{ "activeKeyId": "key-1", "keys": { "key-1": "KEY1" } }""", WorldReadable);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions { KeyFile = path }, null));

        Assert.StartsWith($"Secrets:KeyFile '{path}' can be read or written by every user (mode 644)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_configured_key_file_is_reported()
    {
        var path = Path.Combine(_dataFolder.FullName, "absent.json");

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions { KeyFile = path }, null));

        Assert.Equal($"Secrets:KeyFile '{path}' does not exist.", error.Message);
    }

    [Fact]
    public void Key_file_with_a_short_key_fails_naming_the_id_and_the_file_but_not_the_key()
    {
        var shortKey = TestSecretKeys.Key(9, length: 24);
        var path = WriteKeyFile($$"""{ "activeKeyId": "key-1", "keys": { "key-1": "{{shortKey}}" } }""", OwnerOnly);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions { KeyFile = path }, null));

        Assert.StartsWith($"Key 'key-1' in '{path}' decodes to 24 bytes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_file_that_is_not_json_is_refused_without_quoting_it()
    {
        var path = WriteKeyFile("activeKeyId = key-1\nkey-1 = sk-not-json-secret", OwnerOnly);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Load(new SecretKeyRingOptions { KeyFile = path }, null));

        Assert.Contains("is not a valid key ring file (JSON error at line 1)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-not-json-secret", error.ToString(), StringComparison.Ordinal);
    }

    private string WriteKeyFile(string json, UnixFileMode mode)
    {
        var path = Path.Combine(_dataFolder.FullName, "keyring.json");
        File.WriteAllText(path, json.Replace("KEY1", TestSecretKeys.Key(1), StringComparison.Ordinal).Replace("KEY2", TestSecretKeys.Key(2), StringComparison.Ordinal));
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static string KeyIn(string path, string keyId)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("keys").GetProperty(keyId).GetString()!;
    }
}
