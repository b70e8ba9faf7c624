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
