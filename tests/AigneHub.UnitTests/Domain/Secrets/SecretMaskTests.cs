using AigneHub.Domain.Secrets;

namespace AigneHub.UnitTests.Domain.Secrets;

public sealed class SecretMaskTests
{
    [Theory]
    [InlineData("sk-fake-abcdefghijklmnopwxyz", "sk-f****wxyz")]
    [InlineData("ASIAFAKEKEYFORTESTS", "ASIA****ESTS")]
    [InlineData("123456789012", "1234****9012")]
    public void Long_secret_shows_its_first_and_last_four_characters(string secret, string expected)
    {
        Assert.Equal(expected, SecretMask.Mask(secret));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("sk-12345")]
    [InlineData("12345678901")]
    public void Secret_shorter_than_twelve_characters_reveals_nothing(string secret)
    {
        Assert.Equal("****", SecretMask.Mask(secret));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(40)]
    [InlineData(4096)]
    public void Never_more_than_eight_characters_are_revealed(int length)
    {
        var secret = new string('s', length);

        var masked = SecretMask.Mask(secret);

        Assert.Equal(8, masked.Count(c => c == 's'));
        Assert.Contains("****", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Characters_outside_the_basic_plane_are_not_cut_in_half()
    {
        var secret = "😀😀ab" + new string('x', 8) + "cd😀😀";

        Assert.Equal("😀😀ab****cd😀😀", SecretMask.Mask(secret));
    }

    [Fact]
    public void Null_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => SecretMask.Mask(null!));
    }
}
