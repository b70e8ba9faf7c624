using System.Buffers;
using System.Text;
using AigneHub.Api.Errors;
using AigneHub.Api.Rest.OpenAI;
using AigneHub.Application.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Api;

public sealed class ChatCompletionChunkWriterTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static ChatCompletionUpdate Content(string text) => new("id-1", Created, "demo/echo", null, text, null, null);

    [Fact]
    public void Each_update_is_one_data_event_in_openai_chunk_format()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ChatCompletionChunkWriter(output, includeUsage: false);

        writer.Write(new ChatCompletionUpdate("id-1", Created, "demo/echo", "assistant", "", null, null));
        writer.Write(Content("Hi \"you\" ü"));
        writer.Write(new ChatCompletionUpdate("id-1", Created, "demo/echo", null, null, "stop", null));
        writer.WriteDone();

        Assert.Equal(
            "data: {\"id\":\"id-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"demo/echo\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"id-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"demo/echo\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi \\\"you\\\" ü\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"id-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"demo/echo\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n" +
            "data: [DONE]\n\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_piece_of_a_later_choice_carries_that_choice_index()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ChatCompletionChunkWriter(output, includeUsage: false);

        writer.Write(Content("second") with { ChoiceIndex = 2 });

        Assert.Contains("\"choices\":[{\"index\":2,\"delta\":{\"content\":\"second\"}", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void With_include_usage_chunks_carry_null_usage_and_the_usage_chunk_has_no_choices()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ChatCompletionChunkWriter(output, includeUsage: true);

        writer.Write(Content("x"));
        writer.Write(new ChatCompletionUpdate("id-1", Created, "demo/echo", null, null, null, new TokenUsage(2, 1)));

        var events = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",\"usage\":null}", events[0]);
        Assert.EndsWith("\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":0}}}", events[1]);
    }

    [Fact]
    public void Usage_update_is_skipped_when_the_client_did_not_ask_for_it()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ChatCompletionChunkWriter(output, includeUsage: false);

        Assert.False(writer.Write(new ChatCompletionUpdate("id-1", Created, "demo/echo", null, null, null, new TokenUsage(2, 1))));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Error_after_the_stream_started_is_an_openai_error_event()
    {
        var output = new ArrayBufferWriter<byte>();
        new ChatCompletionChunkWriter(output, includeUsage: false)
            .WriteError(new HubError(502, Grpc.Core.StatusCode.Unavailable, "upstream_error", "provider_unavailable", null, "The openai provider failed (HTTP 503)."));

        Assert.Equal(
            "data: {\"error\":{\"message\":\"The openai provider failed (HTTP 503).\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"provider_unavailable\"}}\n\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
