using System.Text.Json;
using AigneHub.Domain.Secrets;

namespace AigneHub.UnitTests.Domain.Secrets;

public sealed class EncryptedSecretTests
{
    private static readonly byte[] Nonce = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
    private static readonly byte[] Ciphertext = "ciphertext bytes"u8.ToArray();
    private static readonly byte[] Tag = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();

    [Fact]
    public void Factory_stores_the_parts_as_base64()
    {
        var secret = EncryptedSecret.Create("key-1", Nonce, Ciphertext, Tag);

        Assert.Equal("key-1", secret.KeyId);
        Assert.Equal(Convert.ToBase64String(Nonce), secret.Nonce);
        Assert.Equal(Convert.ToBase64String(Ciphertext), secret.Ciphertext);
        Assert.Equal(Convert.ToBase64String(Tag), secret.Tag);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(0)]
    public void Nonce_of_any_size_but_twelve_bytes_is_refused(int size)
    {
        var error = Assert.Throws<ArgumentException>(() => EncryptedSecret.Create("key-1", new byte[size], Ciphertext, Tag));

        Assert.Equal("nonce", error.ParamName);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    public void Tag_of_any_size_but_sixteen_bytes_is_refused(int size)
    {
        var error = Assert.Throws<ArgumentException>(() => EncryptedSecret.Create("key-1", Nonce, Ciphertext, new byte[size]));

        Assert.Equal("tag", error.ParamName);
    }

    [Fact]
    public void Oversized_ciphertext_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EncryptedSecret.Create("key-1", Nonce, new byte[EncryptedSecret.MaxCiphertextSize + 1], Tag));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Blank_key_id_is_refused(string keyId)
    {
        Assert.Throws<ArgumentException>(() => EncryptedSecret.Create(keyId, Nonce, Ciphertext, Tag));
    }

    [Fact]
    public void Json_round_trip_keeps_every_part_as_a_base64_string()
    {
        var secret = EncryptedSecret.Create("key-1", Nonce, Ciphertext, Tag);

        var json = JsonSerializer.Serialize(secret, JsonSerializerOptions.Web);
        var back = JsonSerializer.Deserialize<EncryptedSecret>(json, JsonSerializerOptions.Web);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(Convert.ToBase64String(Nonce), document.RootElement.GetProperty("nonce").GetString());
        Assert.Equal(Convert.ToBase64String(Tag), document.RootElement.GetProperty("tag").GetString());
        Assert.Equal(secret, back);
        Assert.True(back!.TryDecode(out var nonce, out var ciphertext, out var tag));
        Assert.Equal(Nonce, nonce);
        Assert.Equal(Ciphertext, ciphertext);
        Assert.Equal(Tag, tag);
    }

    [Fact]
    public void Json_without_a_part_does_not_deserialize()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EncryptedSecret>("""{"keyId":"key-1","nonce":"AAAAAAAAAAAAAAAA"}""", JsonSerializerOptions.Web));
    }

    [Fact]
    public void Stored_parts_of_the_wrong_size_or_not_base64_do_not_decode()
    {
        var secret = EncryptedSecret.Create("key-1", Nonce, Ciphertext, Tag);

        Assert.False((secret with { Nonce = Convert.ToBase64String(new byte[8]) }).TryDecode(out _, out _, out _));
        Assert.False((secret with { Tag = "not base64!" }).TryDecode(out _, out _, out _));
        Assert.False((secret with { Ciphertext = "%%%" }).TryDecode(out _, out _, out _));
    }

    [Fact]
    public void Text_form_names_the_key_and_shows_no_ciphertext()
    {
        var secret = EncryptedSecret.Create("key-1", Nonce, Ciphertext, Tag);

        var text = secret.ToString();

        Assert.Equal("EncryptedSecret { KeyId = key-1 }", text);
        Assert.DoesNotContain(secret.Ciphertext, text, StringComparison.Ordinal);
    }
}
