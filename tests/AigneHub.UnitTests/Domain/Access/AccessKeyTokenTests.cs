using AigneHub.Domain.Access;

namespace AigneHub.UnitTests.Domain.Access;

public sealed class AccessKeyTokenTests
{
    [Fact]
    public void New_key_has_the_prefix_a_hex_key_id_and_256_bits_of_secret()
    {
        var token = AccessKeyToken.New();

        Assert.Matches("^ahk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", token.Text);
        Assert.True(AccessKeyToken.TryParse(token.Text, out var parsed));
        Assert.Equal(token, parsed);
    }

    [Fact]
    public void Two_new_keys_never_share_a_secret_or_an_id()
    {
        var keys = Enumerable.Range(0, 200).Select(_ => AccessKeyToken.New()).ToList();

        Assert.Equal(200, keys.Select(k => k.KeyId).Distinct().Count());
        Assert.Equal(200, keys.Select(k => k.Secret).Distinct().Count());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sk-0123456789")]
    [InlineData("ahk_0123456789abcdef")]
    [InlineData("ahk_0123456789ABCDEF_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("ahk_0123456789abcdef-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("ahk_0123456789abcdef_short")]
    [InlineData("ahk_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aa")]
    [InlineData("ahk_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9a")]
    public void Malformed_text_is_not_a_key(string? text) => Assert.False(AccessKeyToken.TryParse(text, out _));

    [Fact]
    public void Secret_verifies_against_its_hash_only()
    {
        var token = AccessKeyToken.New();
        var hash = AccessKeyToken.Hash(token.Secret);

        Assert.True(AccessKeyToken.Verify(token.Secret, hash));
        Assert.False(AccessKeyToken.Verify(AccessKeyToken.NewSecret(), hash));
        Assert.False(AccessKeyToken.Verify(token.Secret, "not-a-hash"));
        Assert.Equal(64, hash.Length);
        Assert.DoesNotContain(token.Secret, hash, StringComparison.Ordinal);
    }

    [Fact]
    public void Printing_a_key_shows_only_its_id()
    {
        var token = AccessKeyToken.New();

        Assert.Equal($"ahk_{token.KeyId}_****", token.ToString());
        Assert.DoesNotContain(token.Secret, $"{token}", StringComparison.Ordinal);
    }
}
