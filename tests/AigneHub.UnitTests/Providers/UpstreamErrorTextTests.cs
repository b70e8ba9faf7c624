using AigneHub.Infrastructure.Providers.Http;

namespace AigneHub.UnitTests.Providers;

public sealed class UpstreamErrorTextTests
{
    [Theory]
    [InlineData("Incorrect API key provided: sk-abcdef123456.", "Incorrect API key provided: ****.")]
    [InlineData("Incorrect API key provided: sk-proj-ab12***************wxyz.", "Incorrect API key provided: ****.")]
    [InlineData("Authorization: Bearer eyJhbGciOi.abc-def_ghi was refused", "Authorization: Bearer **** was refused")]
    [InlineData("request req_7f3a9c1e2b4d6f8a0c2e4a6b8d0f2a4c failed", "request **** failed")]
    [InlineData("hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "hash ****")]
    [InlineData("blob dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB0aGF0IGlzIGxvbmc= end", "blob **** end")]
    [InlineData("Google key AIzaSyA-1234567890abcdefghijklmno leaked", "Google key **** leaked")]
    public void Things_that_look_like_secrets_are_masked(string text, string expected)
    {
        Assert.Equal(expected, UpstreamErrorText.Scrub(text, secret: null));
    }

    [Theory]
    [InlineData("The model `gpt-4o-mini-2024-07-18` does not exist or you do not have access to it.")]
    [InlineData("This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.")]
    [InlineData("Invalid 'messages[2].content': string too long. Expected a string with maximum length 1048576.")]
    [InlineData("See https://platform.openai.com/docs/guides/rate-limits for details.")]
    public void Ordinary_error_messages_are_kept(string text)
    {
        Assert.Equal(text, UpstreamErrorText.Scrub(text, secret: null));
    }

    [Fact]
    public void The_known_secret_is_masked_wherever_it_appears()
    {
        Assert.Equal("key **** and ****", UpstreamErrorText.Scrub("key my secret and my secret", "my secret"));
    }

    [Fact]
    public void Control_characters_become_single_spaces()
    {
        Assert.Equal("line one line two", UpstreamErrorText.Scrub("line one\r\n\tline two\n", secret: null));
    }

    [Fact]
    public void Long_text_is_cut_with_an_ellipsis()
    {
        var scrubbed = UpstreamErrorText.Scrub(new string('a', 10) + " " + string.Concat(Enumerable.Repeat("word ", 300)), secret: null);

        Assert.NotNull(scrubbed);
        Assert.True(scrubbed.Length <= UpstreamErrorText.MaxMessageLength + 1);
        Assert.EndsWith("…", scrubbed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n ")]
    public void Empty_text_gives_null(string? text)
    {
        Assert.Null(UpstreamErrorText.Scrub(text, secret: null));
    }
}
