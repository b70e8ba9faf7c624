using System.Buffers;
using System.Text;
using AigneHub.Api.Rest.OpenAI;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Api;

/// <summary>The unary chat answer of /v1/chat/completions, byte for byte in OpenAI's shape.</summary>
public sealed class ChatCompletionResponseWriterTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static string Written(ChatCompletion completion)
    {
        var output = new ArrayBufferWriter<byte>();
        ChatCompletionResponseWriter.Write(output, completion);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void A_text_answer_has_null_refusal_and_logprobs_and_no_tool_calls()
    {
        var json = Written(new ChatCompletion("chatcmpl-1", Created, "openai/gpt-4o-mini", "Hi \"you\" ü", "stop", new TokenUsage(9, 3, CachedPromptTokens: 4), "fp_1"));

        Assert.Equal(
            """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"you\" ü","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4}},"system_fingerprint":"fp_1"}""",
            json);
    }

    [Fact]
    public void A_tool_call_answer_has_null_content_and_its_calls()
    {
        var completion = new ChatCompletion("chatcmpl-2", Created, "anthropic/claude", null, "tool_calls", new TokenUsage(30, 8), null,
            ToolCalls: [new ToolCall("call_1", "get_weather", """{"city":"Paris"}""")]);

        Assert.Equal(
            """{"id":"chatcmpl-2","object":"chat.completion","created":1700000000,"model":"anthropic/claude","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38,"prompt_tokens_details":{"cached_tokens":0}}}""",
            Written(completion));
    }

    [Fact]
    public void Several_choices_are_written_in_index_order()
    {
        var completion = new ChatCompletion("chatcmpl-3", Created, "demo/echo", "first", "stop", new TokenUsage(2, 2), null)
        {
            OtherChoices = [new ChatChoice(1, "second", "length", null)],
        };

        var json = Written(completion);

        Assert.Contains("""[{"index":0,"message":{"role":"assistant","content":"first","refusal":null},"logprobs":null,"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"second","refusal":null},"logprobs":null,"finish_reason":"length"}]""", json, StringComparison.Ordinal);
    }
}
