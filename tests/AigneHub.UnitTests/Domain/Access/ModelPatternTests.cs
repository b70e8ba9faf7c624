using AigneHub.Domain.Access;

namespace AigneHub.UnitTests.Domain.Access;

public sealed class ModelPatternTests
{
    [Theory]
    [InlineData("openai/*", "openai/gpt-4o-mini", true)]
    [InlineData("openai/*", "OpenAI/GPT-4o", true)]
    [InlineData("openai/*", "anthropic/claude-3-5-haiku", false)]
    [InlineData("openai/*", "gpt-4o-mini", false)]
    [InlineData("openai/gpt-4o-mini", "openai/gpt-4o-mini", true)]
    [InlineData("openai/gpt-4o-mini", "openai/gpt-4o", false)]
    [InlineData("*", "anything/at-all", true)]
    [InlineData("openrouter/openai/*", "openrouter/openai/gpt-4o", true)]
    public void Pattern_matches_model(string pattern, string model, bool matches) => Assert.Equal(matches, ModelPattern.Matches(pattern, model));

    [Fact]
    public void Empty_allow_list_allows_every_model() => Assert.True(ModelPattern.Allows([], "openai/gpt-4o"));

    [Theory]
    [InlineData("openai/*", true)]
    [InlineData("openai/gpt-4o", true)]
    [InlineData("open*ai/x", false)]
    [InlineData("", false)]
    [InlineData("openai/ gpt", false)]
    public void Only_a_trailing_star_is_a_wildcard(string pattern, bool valid) => Assert.Equal(valid, ModelPattern.IsValid(pattern));

    [Theory]
    [InlineData("*", "*", true)]
    [InlineData("*", "openai/gpt-4o", true)]
    [InlineData("openai/*", "openai/*", true)]
    [InlineData("openai/*", "OpenAI/gpt-4o*", true)]
    [InlineData("openai/*", "openai/gpt-4o", true)]
    [InlineData("openai/*", "*", false)]
    [InlineData("openai/*", "openrouter/openai/gpt-4o", false)]
    [InlineData("openai/gpt-4o", "openai/gpt-4o", true)]
    [InlineData("openai/gpt-4o", "openai/gpt-4o*", false)]
    [InlineData("openai/gpt-4o", "openai/*", false)]
    [InlineData("openai/gpt*", "openai/*", false)]
    public void Pattern_covers_only_narrower_or_equal_patterns(string pattern, string narrower, bool covers) =>
        Assert.Equal(covers, ModelPattern.Covers(pattern, narrower));
}
