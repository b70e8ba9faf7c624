using AigneHub.Infrastructure.Billing;
using Microsoft.ML.Tokenizers;

namespace AigneHub.UnitTests.Infrastructure.Billing;

/// <summary>Which models' prompts the hub counts with their own tokenizer, and that it counts them as OpenAI does.</summary>
public sealed class PromptTokenizersTests
{
    private const string Sample = "人工智能正在改变我们的生活方式 — and code: for (var i = 0; i < n; i++) { sum += i; } 👩‍👩‍👧‍👦";

    private readonly PromptTokenizers _tokenizers = new();

    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("gpt-4o-2024-08-06", "o200k_base")]
    [InlineData("gpt-4.1-nano", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("gpt-5.1-mini", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("o1", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("text-embedding-3-small", "cl100k_base")]
    public void OpenAIs_models_are_counted_with_the_encoding_tiktoken_gives_them(string model, string encoding)
    {
        var counter = _tokenizers.For("openai", model).Text;

        Assert.Equal(encoding, PromptTokenizers.EncodingOf(model));
        Assert.NotNull(counter);
        Assert.Equal(TiktokenTokenizer.CreateForModel(model).CountTokens(Sample), counter.CountTokens(Sample));
    }

    [Theory]
    [InlineData("openai", "gpt-4.2")]
    [InlineData("openai", "gpt-4omega")]
    [InlineData("openai", "davinci-002")]
    [InlineData("openrouter", "openai/gpt-4o")]
    [InlineData("poe", "GPT-4o")]
    [InlineData("anthropic", "claude-sonnet-4-5")]
    [InlineData("demo", "echo")]
    public void A_model_the_hub_has_no_tokenizer_for_gets_none_rather_than_a_guess(string provider, string model)
    {
        Assert.Null(_tokenizers.For(provider, model).Text);
    }

    [Fact]
    public void Special_token_markers_in_a_text_count_as_text_never_as_one_token()
    {
        const string text = "<|endoftext|><|im_start|>";
        var counter = _tokenizers.For("openai", "gpt-4o").Text!;

        Assert.True(counter.CountTokens(text) >= System.Text.Encoding.UTF8.GetByteCount(text));
    }

    [Theory]
    [InlineData("openai", "gpt-4o-mini", PromptTokenizers.Gpt4oMiniMaxImageTokens)]
    [InlineData("openrouter", "openai/gpt-4o-mini-2024-07-18", PromptTokenizers.Gpt4oMiniMaxImageTokens)]
    [InlineData("openai", "gpt-4o", PromptTokenizers.DefaultMaxImageTokens)]
    [InlineData("google", "gemini-2.5-pro", PromptTokenizers.DefaultMaxImageTokens)]
    public void An_image_counts_the_most_the_model_counts_for_one(string provider, string model, int tokens)
    {
        Assert.Equal(tokens, _tokenizers.For(provider, model).MaxImageTokens);
    }
}
