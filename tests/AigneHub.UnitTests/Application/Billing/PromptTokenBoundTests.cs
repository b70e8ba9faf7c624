using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Billing;
using AigneHub.Infrastructure.Providers.Demo;
using Microsoft.ML.Tokenizers;

namespace AigneHub.UnitTests.Application.Billing;

/// <summary>
/// The prompt bound a hold is sized from is never below what a provider counts: for the texts where characters ÷ 4
/// fell short (CJK, emoji, code), with and without the model's own tokenizer.
/// </summary>
public sealed class PromptTokenBoundTests
{
    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForEncoding("o200k_base");
    private static readonly Tokenizer Cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");
    private static readonly PromptTokenizers Tokenizers = new();
    private static readonly PromptTokenizer Unknown = Tokenizers.For("anthropic", "claude-sonnet-4-5");

    public static TheoryData<string, string> Samples => new()
    {
        { "english", "The quick brown fox jumps over the lazy dog, then naps in the afternoon sun until dinner." },
        { "chinese", "人工智能正在改变我们的生活方式，从医疗诊断到自动驾驶，从语言翻译到艺术创作，无处不在。" },
        { "rare chinese", "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉 龘龘龘 齉齉 𪚥𪚥" },
        { "japanese", "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。カタカナとひらがな。" },
        { "korean", "대한민국의 수도는 서울이며, 한국어는 한글로 표기합니다. 안녕하세요!" },
        { "emoji", "👩‍👩‍👧‍👦🏳️‍🌈🇯🇵🇺🇳👍🏽👍🏿🧑🏻‍💻🫠🫶🏼 ✨🔥💯" },
        { "code", "public static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);\n\tvar x = new Dictionary<string, List<int>>();\n// TODO: memoise\n" },
        { "json", """{"a":[1,2,3,{"b":null,"c":"\u00e9\u4e2d"}],"d":true,"e":-1.5e-10,"f":"    padded    "}""" },
        { "arabic", "السلام عليكم ورحمة الله وبركاته، كيف حالك اليوم؟ ﷺ ﷺ ﷺ" },
        { "devanagari and thai", "नमस्ते दुनिया। भारत एक विशाल देश है। สวัสดีครับ ประเทศไทย" },
        { "combining marks", "Z̴̡̛̙̘̤͎͖̥̗̲̿̏̾̍̅a̸̧̛̛͈͎̥̩̔̈́̆l̴̢̹̣̼̍͊ģ̷̨̜̙̳̂̈́o̵̢̭̮̽" },
        { "whitespace and digits", "   \n\n\t\t  1234567890 3.14159265358979 0x7FFFFFFF    \r\n  " },
        { "special-token text", "<|endoftext|><|im_start|>system\nignore that<|im_end|>" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Without_the_models_tokenizer_a_text_counts_no_less_than_any_tokenizer_or_the_demo_counts_it(string kind, string text)
    {
        var bound = PromptTokenBound.Count(Unknown, text);

        Assert.True(bound >= O200k.CountTokens(text), $"{kind}: {bound} < o200k {O200k.CountTokens(text)}");
        Assert.True(bound >= Cl100k.CountTokens(text), $"{kind}: {bound} < cl100k {Cl100k.CountTokens(text)}");
        Assert.True(bound >= DemoChatProvider.CountWords(text), $"{kind}: {bound} < demo words {DemoChatProvider.CountWords(text)}");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_chat_bound_is_no_less_than_what_openai_counts_for_the_messages(string kind, string text)
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "You are terse."),
            new(ChatRole.User, text, name: "alice"),
            new(ChatRole.Assistant, "Noted."),
            new(ChatRole.User, null, [new TextPart(text), new TextPart("Again, please.")]),
        ];

        // OpenAI's own count: 3 per message, its role and content (and 1 for a name), and 3 that prime the reply.
        var openAI = 3 + messages.Sum(m => 3 + O200k.CountTokens(m.Role.ToString().ToLowerInvariant()) + O200k.CountTokens(m.PlainText()) + (m.Name is null ? 0 : 1 + O200k.CountTokens(m.Name)));
        var known = PromptTokenBound.Of(Tokenizers.For("openai", "gpt-4o-mini"), messages, ChatSettings.Default);
        var unknown = PromptTokenBound.Of(Unknown, messages, ChatSettings.Default);

        Assert.True(known >= openAI, $"{kind}: {known} < {openAI}");
        Assert.True(unknown >= openAI, $"{kind}: {unknown} < {openAI}");
        Assert.True(unknown >= messages.Sum(m => DemoChatProvider.CountWords(m.PlainText())), kind);
    }

    /// <summary>Texts whose tokens and bytes differ most: long runs that one token covers many bytes of, and multi-byte scripts.</summary>
    public static TheoryData<string, string> UpperBoundSamples
    {
        get
        {
            var samples = new TheoryData<string, string>();
            foreach (var sample in Samples)
            {
                samples.Add((string)sample[0], (string)sample[1]);
            }

            samples.Add("long whitespace", new string(' ', 4_000) + "\n\n\n" + new string('\t', 500) + "end");
            samples.Add("long newlines", string.Concat(Enumerable.Repeat("\r\n", 2_000)));
            samples.Add("repeated letter", new string('a', 5_000));
            samples.Add("long cjk", string.Concat(Enumerable.Repeat("人工智能正在改变我们的生活方式。", 300)));
            samples.Add("long emoji", string.Concat(Enumerable.Repeat("👩‍👩‍👧‍👦🏳️‍🌈🇯🇵👍🏽", 200)));
            samples.Add("lone surrogates", "ab\uD800cd\uDFFFef\uD83D");
            samples.Add("mixed scripts and digits", string.Concat(Enumerable.Repeat("Hello 世界 12345 Привет мир 🌍 ", 100)));
            return samples;
        }
    }

    [Theory]
    [MemberData(nameof(UpperBoundSamples))]
    public void The_bound_that_runs_no_tokenizer_is_never_below_the_tokenizers_bound(string kind, string text)
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, text),
            new(ChatRole.User, text, name: "alice"),
            new(ChatRole.User, null, [new TextPart(text), new TextPart("Again, please.")]),
        ];
        var tools = ChatSettings.Default with { Tools = [new ToolDefinition("lookup", text, """{"type":"object"}""")] };
        var bound = new PromptTokenBound(Tokenizers);

        foreach (var model in new[] { "gpt-4o-mini", "gpt-4" })
        {
            foreach (var settings in new[] { ChatSettings.Default, tools })
            {
                var counted = bound.ForChat(["openai"], model, messages, settings);
                var upper = bound.UpperForChat(["openai"], model, messages, settings);
                Assert.True(upper >= counted, $"{kind}, {model}: {upper} < {counted}");
            }
        }

        // A model without a known tokenizer is already bounded from its bytes: the same bound either way.
        Assert.Equal(bound.ForChat(["anthropic"], "claude-sonnet-4-5", messages, tools), bound.UpperForChat(["anthropic"], "claude-sonnet-4-5", messages, tools));
    }

    [Fact]
    public void A_prompt_bound_gives_its_upper_bound_without_counting_and_its_count_once_counted()
    {
        var counts = 0;
        var prompt = new PromptBound(() => ++counts * 10, () => 25);

        Assert.Equal(25, prompt.Upper);
        Assert.Equal(0, counts);
        Assert.Equal(10, prompt.Tokens);
        Assert.Equal(10, prompt.Upper);
        Assert.Equal(1, counts);
        Assert.Equal(7, new PromptBound(() => 7).Upper);
    }

    [Fact]
    public void A_cjk_prompt_counts_several_times_more_than_one_token_per_four_characters()
    {
        const string text = "人工智能正在改变我们的生活方式，从医疗诊断到自动驾驶，从语言翻译到艺术创作，无处不在。";
        var openAI = O200k.CountTokens(text);

        // What holds assumed before: one token per four characters.
        Assert.True(openAI > 2 * ((text.Length + 3) / 4), $"{openAI} tokens for {text.Length} characters");
        Assert.True(PromptTokenBound.Count(Tokenizers.For("openai", "gpt-4o"), text) >= openAI);
        Assert.True(PromptTokenBound.Count(Unknown, text) >= openAI);
    }

    [Fact]
    public void Images_count_the_models_most_per_image_and_tools_their_definitions_and_framing()
    {
        ChatMessage[] withImage = [new(ChatRole.User, null, [new TextPart("What is this?"), new ImagePart("https://example.com/cat.png", "high")])];
        var tools = ChatSettings.Default with
        {
            Tools = [new ToolDefinition("get_weather", "Weather of a city", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")],
        };
        ChatMessage[] hello = [new(ChatRole.User, "hello")];

        Assert.True(PromptTokenBound.Of(Tokenizers.For("openai", "gpt-4o-mini"), withImage, ChatSettings.Default) > PromptTokenizers.Gpt4oMiniMaxImageTokens);
        Assert.True(PromptTokenBound.Of(Unknown, withImage, ChatSettings.Default) > PromptTokenizers.DefaultMaxImageTokens);
        Assert.True(
            PromptTokenBound.Of(Unknown, hello, tools) - PromptTokenBound.Of(Unknown, hello, ChatSettings.Default) > PromptTokenBound.UnknownToolFraming + 100,
            "an unknown model's tools count their tool-use system prompt and their definitions' bytes");
    }

    [Fact]
    public void The_bound_over_several_providers_is_the_largest_of_theirs()
    {
        var bound = new PromptTokenBound(Tokenizers);
        ChatMessage[] messages = [new(ChatRole.User, "人工智能正在改变我们的生活方式")];

        var both = bound.ForChat(["openai", "openrouter"], "gpt-4o-mini", messages, ChatSettings.Default);

        Assert.Equal(PromptTokenBound.Of(Tokenizers.For("openrouter", "gpt-4o-mini"), messages, ChatSettings.Default), both);
        Assert.True(both > bound.ForChat(["openai"], "gpt-4o-mini", messages, ChatSettings.Default));
    }
}
