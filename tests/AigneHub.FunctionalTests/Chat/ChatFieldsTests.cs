using System.Net;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>
/// Every field of OpenAI's chat request is sent on to an OpenAI-protocol upstream, mapped, or refused with a 400 that
/// names it; none is dropped in silence (docs/api.md, "Chat fields by provider").
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ChatFieldsTests(HubFixture hub)
{
    private const string Logprobs = """{"content":[{"token":"Hi","logprob":-0.25,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.25,"bytes":[72,105]}]}],"refusal":null}""";

    private static readonly object[] Hello = [new { role = "user", content = "Hello" }];

    [Fact]
    public async Task Every_documented_openai_field_reaches_an_openai_protocol_upstream_as_sent()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new TestUpstreams.FakeUsage(3, 1));

        using var response = await hub.PostChatAsync(new
        {
            model = "openai/gpt-4o-mini",
            messages = Hello,
            reasoning_effort = "low",
            verbosity = "high",
            service_tier = "flex",
            logprobs = true,
            top_logprobs = 2,
            logit_bias = new Dictionary<string, int> { ["50256"] = -100, ["1234"] = 5 },
            store = true,
            metadata = new Dictionary<string, string> { ["team"] = "search", ["ticket"] = "T-1" },
            prediction = new { type = "content", content = "Hello there" },
            modalities = new[] { "text" },
            web_search_options = new { search_context_size = "low" },
            prompt_cache_key = "tenant-42",
            prompt_cache_retention = "24h",
            safety_identifier = "user-hash-1",
        });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var sent = JsonDocument.Parse(hub.Upstream.LastRequest.Body);
        var body = sent.RootElement;
        Assert.Equal("low", body.GetProperty("reasoning_effort").GetString());
        Assert.Equal("high", body.GetProperty("verbosity").GetString());
        Assert.Equal("flex", body.GetProperty("service_tier").GetString());
        Assert.True(body.GetProperty("logprobs").GetBoolean());
        Assert.Equal(2, body.GetProperty("top_logprobs").GetInt32());
        Assert.Equal(-100, body.GetProperty("logit_bias").GetProperty("50256").GetDouble());
        Assert.Equal(5, body.GetProperty("logit_bias").GetProperty("1234").GetDouble());
        Assert.True(body.GetProperty("store").GetBoolean());
        Assert.Equal("search", body.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal("T-1", body.GetProperty("metadata").GetProperty("ticket").GetString());
        Assert.Equal("Hello there", body.GetProperty("prediction").GetProperty("content").GetString());
        Assert.Equal("text", Assert.Single(body.GetProperty("modalities").EnumerateArray()).GetString());
        Assert.Equal("low", body.GetProperty("web_search_options").GetProperty("search_context_size").GetString());
        Assert.Equal("tenant-42", body.GetProperty("prompt_cache_key").GetString());
        Assert.Equal("24h", body.GetProperty("prompt_cache_retention").GetString());
        Assert.Equal("user-hash-1", body.GetProperty("safety_identifier").GetString());
    }

    [Fact]
    public async Task The_grpc_twin_sends_the_same_fields_on()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new TestUpstreams.FakeUsage(3, 1));
        var request = new CreateChatCompletionRequest { Model = "openai/gpt-4o-mini", ReasoningEffort = "high", Verbosity = "low", Logprobs = true };
        request.Messages.Add(new Api.Grpc.V1.ChatMessage { Role = "user", Content = Value.ForString("Hello") });
        request.Metadata.Add("team", "search");

        await new Inference.InferenceClient(hub.Grpc).CreateChatCompletionAsync(request);

        using var sent = JsonDocument.Parse(hub.Upstream.LastRequest.Body);
        Assert.Equal("high", sent.RootElement.GetProperty("reasoning_effort").GetString());
        Assert.Equal("low", sent.RootElement.GetProperty("verbosity").GetString());
        Assert.True(sent.RootElement.GetProperty("logprobs").GetBoolean());
        Assert.Equal("search", sent.RootElement.GetProperty("metadata").GetProperty("team").GetString());
    }

    [Fact]
    public async Task Log_probabilities_of_the_upstream_answer_come_back_in_the_unary_answer()
    {
        hub.Upstream.Reset();
        hub.Upstream.RespondRaw(200, "application/json", $$$"""
            {"id":"chatcmpl-l","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"logprobs":{{{Logprobs}}},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}
            """);

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello, logprobs = true, top_logprobs = 1 });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        Assert.Equal(Logprobs, answer.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetRawText());
    }

    [Fact]
    public async Task Log_probabilities_of_a_streamed_answer_come_back_on_their_chunks()
    {
        hub.Upstream.Reset();
        hub.Upstream.RespondRaw(200, "text/event-stream", $$$"""
            data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{{{Logprobs}}},"finish_reason":null}]}

            data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

            data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}

            data: [DONE]


            """.Replace("\r\n", "\n", StringComparison.Ordinal));

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello, logprobs = true, stream = true });

        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, raw);
        var withText = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e.StartsWith("data: {", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Single(c => c.GetProperty("choices").GetArrayLength() > 0
                && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String && content.GetString() == "Hi");
        Assert.Equal(Logprobs, withText.GetProperty("choices")[0].GetProperty("logprobs").GetRawText());
    }

    [Theory]
    [InlineData("functions", """[{"name":"get_weather","parameters":{"type":"object"}}]""")]
    [InlineData("function_call", "\"auto\"")]
    [InlineData("audio", """{"voice":"alloy","format":"wav"}""")]
    [InlineData("modalities", """["text","audio"]""")]
    [InlineData("top_logprobs", "3")]
    [InlineData("reasoning_effort", "\"maximum\"")]
    public async Task A_field_the_hub_cannot_honour_on_any_provider_is_refused_naming_it(string field, string value)
    {
        var json = $$"""{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"{{field}}":{{value}}}""";
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var before = ChatCallsUpstream();

        using var response = await hub.Rest.PostAsync("/v1/chat/completions", content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(field, body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, ChatCallsUpstream());
    }

    [Theory]
    [InlineData("logprobs", "true")]
    [InlineData("logit_bias", """{"50256":-100}""")]
    [InlineData("verbosity", "\"low\"")]
    [InlineData("web_search_options", "{}")]
    public async Task A_field_the_demo_model_cannot_honour_is_refused_naming_it(string field, string value)
    {
        var json = $$"""{"model":"demo/echo","messages":[{"role":"user","content":"Hello"}],"{{field}}":{{value}}}""";
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        using var response = await hub.Rest.PostAsync("/v1/chat/completions", content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var body = JsonDocument.Parse(text);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_end_user_and_the_metadata_a_call_names_are_kept_on_its_call_record()
    {
        using var response = await hub.PostChatAsync(new
        {
            model = "demo/echo",
            messages = Hello,
            user = "customer-7",
            metadata = new Dictionary<string, string> { ["team"] = "search", ["ticket"] = "T-9" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var record = await hub.WaitForCallRecordAsync(requestId);

        Assert.Equal("customer-7", record.GetProperty("end_user").GetString());
        Assert.Equal("search", record.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal("T-9", record.GetProperty("metadata").GetProperty("ticket").GetString());
    }

    [Fact]
    public async Task Hints_that_change_no_answer_pass_on_the_demo_model()
    {
        using var response = await hub.PostChatAsync(new
        {
            model = "demo/echo",
            messages = Hello,
            reasoning_effort = "medium",
            service_tier = "auto",
            store = false,
            metadata = new Dictionary<string, string> { ["team"] = "search" },
            prompt_cache_key = "k",
            seed = 7,
        });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
    }

    private int ChatCallsUpstream() => hub.Upstream.Requests.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal));
}
