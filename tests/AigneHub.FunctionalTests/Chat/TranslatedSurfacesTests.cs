using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Tests.Shared;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>
/// POST /v1/responses, /v1/completions and /v1/messages through the whole hub: each request reaches a provider of
/// another protocol as the same conversation, each answer comes back in the route's own format (streamed events
/// included), and refusals are in the route's own error shape.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class TranslatedSurfacesTests(HubFixture hub) : IAsyncLifetime
{
    private const string OpenAIModel = "openai/gpt-4o-mini";
    private const string AnthropicModel = "anthropic/claude-sonnet-4-5";

    private FakeAnthropicUpstream _anthropic = null!;

    public async Task InitializeAsync()
    {
        hub.Upstream.Reset();
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        await AnthropicProviderSetup.PointAtAsync(hub, _anthropic, AnthropicModel);
    }

    public async Task DisposeAsync()
    {
        hub.Upstream.Reset();
        await _anthropic.DisposeAsync();
    }

    [Fact]
    public async Task Responses_instructions_and_input_items_reach_an_openai_upstream_as_the_same_conversation()
    {
        hub.Upstream.Reply("Done.");

        using var response = await hub.Rest.PostAsJsonAsync("/v1/responses", new
        {
            model = OpenAIModel,
            instructions = "Answer in French.",
            input = new object[]
            {
                new { role = "user", content = new object[] { new { type = "input_text", text = "Weather in Paris?" } } },
                new { type = "function_call", call_id = "call_1", name = "get_weather", arguments = """{"city":"Paris"}""" },
                new { type = "function_call_output", call_id = "call_1", output = "sunny" },
            },
            tools = new object[] { new { type = "function", name = "get_weather", parameters = new { type = "object", properties = new { city = new { type = "string" } } } } },
            max_output_tokens = 50,
            text = new { format = new { type = "json_schema", name = "answer", schema = new { type = "object" } } },
        });

        var answer = await JsonAsync(response);
        Assert.Equal("completed", answer.GetProperty("status").GetString());
        Assert.Equal("Done.", answer.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());

        using var sent = hub.Upstream.LastRequest.Json();
        var messages = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Answer in French.", messages[0].GetProperty("content").GetString());
        Assert.Equal("get_weather", messages[2].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("call_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("get_weather", sent.RootElement.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(50, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("json_schema", sent.RootElement.GetProperty("response_format").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_streamed_anthropic_tool_use_answer_becomes_responses_function_call_events()
    {
        _anthropic.ReplyToolUse("Let me check.", new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""));

        var events = await EventsAsync("/v1/responses", new
        {
            model = AnthropicModel,
            input = "Weather in Paris?",
            stream = true,
            tools = new object[] { new { type = "function", name = "get_weather", parameters = new { type = "object" } } },
        });

        Assert.Equal("response.created", events[0].Type);
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        var added = events.Single(e => e.Type == "response.output_item.added" && e.Data.GetProperty("item").GetProperty("type").GetString() == "function_call");
        Assert.Equal("toolu_01A", added.Data.GetProperty("item").GetProperty("call_id").GetString());
        var arguments = string.Concat(events.Where(e => e.Type == "response.function_call_arguments.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal("""{"city":"Paris"}""", arguments);
        Assert.Equal(arguments, events.Single(e => e.Type == "response.function_call_arguments.done").Data.GetProperty("arguments").GetString());

        var completed = events[^1];
        Assert.Equal("response.completed", completed.Type);
        var output = completed.Data.GetProperty("response").GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["message", "function_call"], output.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal("Let me check.", output[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(completed.Data.GetProperty("response").GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task A_responses_stream_that_fails_upstream_after_it_started_ends_with_error_and_response_failed()
    {
        hub.Upstream.TruncateStream("Half", " an", " answer");

        var events = await EventsAsync("/v1/responses", new { model = OpenAIModel, input = "hello", stream = true });

        Assert.Equal(["error", "response.failed"], events.TakeLast(2).Select(e => e.Type));
        Assert.Equal("failed", events[^1].Data.GetProperty("response").GetProperty("status").GetString());
        Assert.DoesNotContain(events, e => e.Type == "response.completed");
    }

    [Fact]
    public async Task A_responses_call_is_recorded_like_any_chat_call()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/v1/responses", new { model = "demo/echo", input = "record me" });
        await JsonAsync(response);

        var record = await hub.WaitForCallRecordAsync(response.Headers.GetValues("x-request-id").Single());

        Assert.Equal("demo", record.GetProperty("provider").GetString());
        Assert.Equal("echo", record.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Messages_system_tool_use_and_tool_results_reach_an_openai_upstream_as_chat()
    {
        hub.Upstream.Reply("It is sunny.");

        using var response = await hub.Rest.PostAsJsonAsync("/v1/messages", new
        {
            model = OpenAIModel,
            max_tokens = 200,
            system = new object[] { new { type = "text", text = "Be brief." } },
            stop_sequences = new[] { "END" },
            tools = new object[] { new { name = "get_weather", input_schema = new { type = "object" } } },
            messages = new object[]
            {
                new { role = "user", content = "Weather in Paris?" },
                new { role = "assistant", content = new object[] { new { type = "text", text = "Checking." }, new { type = "tool_use", id = "toolu_9", name = "get_weather", input = new { city = "Paris" } } } },
                new { role = "user", content = new object[] { new { type = "tool_result", tool_use_id = "toolu_9", content = "sunny" } } },
            },
        });

        var answer = await JsonAsync(response);
        Assert.Equal("message", answer.GetProperty("type").GetString());
        Assert.Equal("It is sunny.", answer.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", answer.GetProperty("stop_reason").GetString());

        using var sent = hub.Upstream.LastRequest.Json();
        var messages = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("""{"city":"Paris"}""", messages[2].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("toolu_9", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal(200, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("END", sent.RootElement.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task A_messages_stream_that_fails_upstream_after_it_started_ends_with_an_anthropic_error_event()
    {
        hub.Upstream.TruncateStream("Half", " an", " answer");

        var events = await EventsAsync("/v1/messages", new { model = OpenAIModel, max_tokens = 100, stream = true, messages = new[] { new { role = "user", content = "hello" } } });

        Assert.Equal("message_start", events[0].Type);
        Assert.Equal("error", events[^1].Type);
        Assert.Equal("error", events[^1].Data.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(events[^1].Data.GetProperty("error").GetProperty("type").GetString()));
        Assert.DoesNotContain(events, e => e.Type == "message_stop");
    }

    [Theory]
    [InlineData("/v1/responses")]
    [InlineData("/v1/completions")]
    public async Task OpenAI_shaped_routes_refuse_a_caller_without_a_key_with_401_in_openais_envelope(string path)
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        using var response = await anonymous.PostAsJsonAsync(path, new { model = "demo/echo", input = "hi", prompt = "hi" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Messages_refuses_a_caller_without_a_key_with_401_in_anthropics_error_shape()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        using var response = await anonymous.PostAsJsonAsync("/v1/messages", new { model = "demo/echo", max_tokens = 10, messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("authentication_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task What_the_hub_does_not_serve_under_v1_messages_is_404_in_anthropics_error_shape()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/v1/messages/count_tokens", new { model = "demo/echo", messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_found_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_takes_the_access_key_as_x_api_key()
    {
        using var client = TestAccess.RestClient(hub.RestUri, key: null);
        client.DefaultRequestHeaders.Add("x-api-key", TestAccess.OwnerKey);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");

        using var response = await client.PostAsJsonAsync("/v1/messages", new { model = "demo/echo", max_tokens = 10, messages = new[] { new { role = "user", content = "keyed" } } });

        var answer = await JsonAsync(response);
        Assert.Equal("keyed", answer.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"model":"demo/echo","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"top_k":5}""", "top_k")]
    [InlineData("""{"model":"demo/echo","messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"demo/echo","max_tokens":10,"messages":[{"role":"robot","content":"hi"}]}""", "messages.0.role")]
    [InlineData("""{"model":"demo/echo","max_tokens":10,"messages":[""", "JSON")]
    public async Task Messages_refuses_a_request_it_cannot_honour_with_400_in_anthropics_error_shape(string body, string named)
    {
        using var response = await hub.Rest.PostAsync("/v1/messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(named, error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/responses", """{"model":"demo/echo","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("/v1/responses", """{"model":"demo/echo","input":"hi","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("/v1/responses", """{"model":"demo/echo","input":[{"type":"item_reference","id":"msg_1"}]}""", "input[0].type")]
    [InlineData("/v1/responses", """{"model":"demo/echo","input":"hi","max_output_tokens":0}""", "max_output_tokens")]
    [InlineData("/v1/completions", """{"model":"demo/echo","prompt":["one","two"]}""", "prompt")]
    [InlineData("/v1/completions", """{"model":"demo/echo","prompt":[1,2,3]}""", "prompt")]
    [InlineData("/v1/completions", """{"model":"demo/echo","prompt":"hi","best_of":3}""", "best_of")]
    [InlineData("/v1/completions", """{"model":"demo/echo","prompt":"hi","logprobs":2}""", "logprobs")]
    public async Task OpenAI_shaped_routes_refuse_what_they_cannot_honour_with_400_naming_the_member(string path, string body, string param)
    {
        using var response = await hub.Rest.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_legacy_completion_with_echo_starts_with_the_prompt_unary_and_streamed()
    {
        using var unary = await hub.Rest.PostAsJsonAsync("/v1/completions", new { model = "demo/echo", prompt = "echo me", echo = true });
        var answer = await JsonAsync(unary);
        Assert.Equal("echo meecho me", answer.GetProperty("choices")[0].GetProperty("text").GetString());

        var events = await EventsAsync("/v1/completions", new { model = "demo/echo", prompt = "echo me", echo = true, stream = true });
        Assert.Equal("[DONE]", events[^1].Type);
        var text = string.Concat(events.SkipLast(1).SelectMany(e => e.Data.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("text").GetString()));
        Assert.Equal("echo meecho me", text);
    }

    [Fact]
    public async Task A_responses_input_image_over_the_common_body_limit_is_taken_and_a_messages_body_over_the_chat_limit_is_413_in_anthropics_shape()
    {
        hub.Upstream.Reply("a picture of noise");
        var image = "data:image/png;base64," + Convert.ToBase64String(new byte[4_500_000]);
        var responses = JsonSerializer.Serialize(new
        {
            model = OpenAIModel,
            input = new object[] { new { role = "user", content = new object[] { new { type = "input_text", text = "what is this?" }, new { type = "input_image", image_url = image } } } },
        });
        var messages = JsonSerializer.Serialize(new { model = OpenAIModel, max_tokens = 10, messages = new[] { new { role = "user", content = new string('a', 9_000_000) } } });

        using var accepted = await hub.Rest.PostAsync("/v1/responses", new StringContent(responses, System.Text.Encoding.UTF8, "application/json"));
        using var tooBig = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(messages, System.Text.Encoding.UTF8, "application/json") };
        tooBig.Headers.ExpectContinue = true;
        using var refused = await hub.Rest.SendAsync(tooBig);

        Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        Assert.Contains(image[..100], hub.Upstream.LastRequest.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("request_too_large", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_unknown_model_on_v1_responses_is_404_model_not_found_in_openais_envelope()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/v1/responses", new { model = "demo/not-a-model", input = "hi" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The SSE events of a streamed answer: each event's type (its <c>event:</c> line, else the data's <c>type</c>,
    /// else "data"; <c>[DONE]</c> for OpenAI's end marker) and its data.
    /// </summary>
    private async Task<List<SseEvent>> EventsAsync(string path, object body)
    {
        using var response = await hub.Rest.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var events = new List<SseEvent>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var name = lines.FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?["event: ".Length..];
            var data = lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
            if (data == "[DONE]")
            {
                events.Add(new SseEvent("[DONE]", default));
                continue;
            }

            using var document = JsonDocument.Parse(data);
            var root = document.RootElement.Clone();
            events.Add(new SseEvent(name ?? (root.TryGetProperty("type", out var type) ? type.GetString()! : "data"), root));
        }

        return events;
    }

    private sealed record SseEvent(string Type, JsonElement Data);
}
