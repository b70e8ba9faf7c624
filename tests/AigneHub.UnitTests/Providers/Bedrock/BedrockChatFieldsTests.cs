using System.Buffers;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Bedrock;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>OpenAI's chat fields that Converse has no word for are refused by name, never left out in silence.</summary>
public sealed class BedrockChatFieldsTests
{
    public static TheoryData<string, ChatSettings> Unhonourable => new()
    {
        { "reasoning_effort", new ChatSettings { ReasoningEffort = "low" } },
        { "logprobs", new ChatSettings { Logprobs = true } },
        { "logit_bias", new ChatSettings { LogitBias = new Dictionary<string, double> { ["1"] = 5 } } },
        { "verbosity", new ChatSettings { Verbosity = "high" } },
        { "web_search_options", new ChatSettings { WebSearchOptionsJson = "{}" } },
        { "frequency_penalty", new ChatSettings { FrequencyPenalty = 0.5 } },
    };

    [Theory]
    [MemberData(nameof(Unhonourable))]
    public void A_field_converse_cannot_honour_is_refused_naming_it(string field, ChatSettings settings)
    {
        var request = new ProviderChatRequest("anthropic.claude-3-haiku", [new ChatMessage(ChatRole.User, "Hi")], settings);

        var error = Assert.Throws<RequestValidationException>(() => BedrockConverseRequestWriter.Write(new ArrayBufferWriter<byte>(), request));

        Assert.Equal(field, Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void Hints_that_change_no_answer_are_not_refused()
    {
        var settings = new ChatSettings { ServiceTier = "flex", Store = true, PromptCacheKey = "k", Metadata = new Dictionary<string, string> { ["a"] = "b" }, PresencePenalty = 0 };
        var request = new ProviderChatRequest("anthropic.claude-3-haiku", [new ChatMessage(ChatRole.User, "Hi")], settings);
        var body = new ArrayBufferWriter<byte>();

        BedrockConverseRequestWriter.Write(body, request);

        Assert.True(body.WrittenCount > 0);
    }
}
