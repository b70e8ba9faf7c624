using System.Buffers;
using System.Text;
using System.Text.Json;
using AigneHub.Api.Rest.Anthropic;
using AigneHub.Api.Rest.OpenAI;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Api;

/// <summary>How the Responses, legacy completions and Anthropic Messages requests become chat calls, and how a chat stream becomes Responses events.</summary>
public sealed class TranslatedChatSurfaceTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Responses_assistant_text_and_the_function_calls_after_it_are_one_assistant_turn_before_their_outputs()
    {
        var request = ResponsesRequestReader.Read(Json("""
            {"model":"demo/echo","instructions":"Be brief.","input":[
              {"role":"user","content":"weather in Paris and Rome?"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking both."}]},
              {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call","call_id":"c2","name":"get_weather","arguments":"{\"city\":\"Rome\"}"},
              {"type":"function_call_output","call_id":"c1","output":"sunny"},
              {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"rainy"}]}]}
            """));

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Tool], request.Messages.Select(m => m.Role));
        var assistant = request.Messages[2];
        Assert.Equal("Checking both.", assistant.Text);
        Assert.Equal(["c1", "c2"], assistant.ToolCalls!.Select(c => c.Id));
        Assert.Equal(("c2", "rainy"), (request.Messages[4].ToolCallId, request.Messages[4].Text));
    }

    [Theory]
    [InlineData("""{"model":"m","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"model":"m","input":"hi","conversation":"conv_1"}""", "conversation")]
    [InlineData("""{"model":"m","input":"hi","reasoning":{"effort":"high"}}""", "reasoning")]
    [InlineData("""{"model":"m","input":"hi","tools":[{"type":"file_search"}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"model":"m","input":"hi","text":{"verbosity":"low"}}""", "text.verbosity")]
    [InlineData("""{"model":"m","input":"hi","top_logprobs":3}""", "top_logprobs")]
    [InlineData("""{"model":"m"}""", "input")]
    public void Responses_members_the_hub_cannot_honour_are_refused_by_name(string body, string field)
    {
        var refusal = Assert.Throws<RequestValidationException>(() => ResponsesRequestReader.Read(Json(body)));

        Assert.Equal(field, refusal.Violations[0].Field);
    }

    [Fact]
    public void Responses_store_true_is_accepted_unstored_and_an_empty_reasoning_is_ignored()
    {
        var request = ResponsesRequestReader.Read(Json("""{"model":"m","input":"hi","store":true,"reasoning":{},"max_output_tokens":9,"text":{"format":{"type":"json_schema","name":"s","schema":{"type":"object"}}}}"""));

        Assert.Equal(9, request.Settings.MaxTokens);
        Assert.Equal(ResponseFormatKind.JsonSchema, request.Settings.ResponseFormat!.Kind);
    }

    [Fact]
    public void Anthropic_tool_results_of_a_user_turn_come_before_its_other_content_as_tool_messages()
    {
        var request = AnthropicMessagesRequestReader.Read(Json("""
            {"model":"m","max_tokens":10,"system":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"text","text":"and also"},{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"sunny"}],"is_error":true}]}]}
            """));

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.User], request.Messages.Select(m => m.Role));
        Assert.Equal("a\nb", request.Messages[0].Text);
        Assert.Equal("""{"city":"Paris"}""", request.Messages[2].ToolCalls![0].Arguments);
        Assert.Equal(("t1", "Error: sunny"), (request.Messages[3].ToolCallId, request.Messages[3].Text));
        Assert.Equal("and also", request.Messages[4].PlainText());
    }

    [Fact]
    public void Anthropic_tool_choice_any_without_parallel_calls_is_required_and_not_parallel()
    {
        var request = AnthropicMessagesRequestReader.Read(Json("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},"stop_sequences":["END"],"metadata":{"user_id":"u-1"}}
            """));

        Assert.Equal(ToolChoice.Required, request.Settings.ToolChoice);
        Assert.False(request.Settings.ParallelToolCalls);
        Assert.Equal(["END"], request.Settings.Stop!);
        Assert.Equal("u-1", request.Settings.User);
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":"hi","best_of":2,"n":2}""", true)]
    [InlineData("""{"model":"m","prompt":"hi","best_of":2}""", false)]
    [InlineData("""{"model":"m","prompt":"hi","logprobs":null,"suffix":""}""", true)]
    [InlineData("""{"model":"m","prompt":"hi","logprobs":0}""", false)]
    public void Legacy_completions_take_best_of_only_equal_to_n_and_refuse_logprobs_of_any_value(string body, bool accepted)
    {
        if (accepted)
        {
            Assert.Equal("hi", CompletionsEndpoint.Read(Json(body)).Prompt);
        }
        else
        {
            Assert.Throws<RequestValidationException>(() => CompletionsEndpoint.Read(Json(body)));
        }
    }

    [Fact]
    public void A_stream_of_text_then_a_function_call_is_a_message_item_then_a_function_call_item_with_consecutive_sequence_numbers()
    {
        var output = new ArrayBufferWriter<byte>();
        var request = new ResponsesRequest("demo/echo", [], ChatSettings.Default, Stream: true);
        var writer = new ResponseEventWriter(output, new ResponseSnapshot("resp_1", Created, "demo/echo", "in_progress", [], null, request));
        ChatCompletionUpdate[] updates =
        [
            new("c", Created, "demo/echo", "assistant", "", null, null),
            new("c", Created, "demo/echo", null, "Let me check.", null, null),
            new("c", Created, "demo/echo", null, null, null, null, ToolCallDeltas: [new ToolCallDelta(0, "call_1", "get_weather", "{\"city\":")]),
            new("c", Created, "demo/echo", null, null, null, null, ToolCallDeltas: [new ToolCallDelta(0, null, null, "\"Paris\"}")]),
            new("c", Created, "demo/echo", null, null, "tool_calls", null),
            new("c", Created, "demo/echo", null, null, null, new TokenUsage(5, 7)),
        ];

        writer.Start(updates[0]);
        foreach (var update in updates)
        {
            writer.Write(update);
        }

        writer.Complete();

        var events = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e.Split("\ndata: ")[1]).RootElement.Clone())
            .ToList();
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("sequence_number").GetInt32()));
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done",
             "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
             "response.function_call_arguments.done", "response.output_item.done", "response.completed"],
            events.Select(e => e.GetProperty("type").GetString()));
        var final = events[^1].GetProperty("response");
        Assert.Equal("""{"city":"Paris"}""", final.GetProperty("output")[1].GetProperty("arguments").GetString());
        Assert.Equal("call_1", final.GetProperty("output")[1].GetProperty("call_id").GetString());
        Assert.Equal(12, final.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }
}
