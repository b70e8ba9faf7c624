using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Chat;

[Collection(HubCollection.Name)]
public sealed class OpenAIChatCompletionsTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "Say hello" }];

    [Fact]
    public async Task Non_streaming_call_returns_the_upstream_answer_in_openai_shape()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("Hello there!", new FakeUsage(9, 3, CachedTokens: 2));

        using var response = await hub.PostChatAsync(new
        {
            model = "openai/gpt-4o-mini",
            messages = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Say hello" } },
            temperature = 0.2,
            max_tokens = 50,
            parallel_tool_calls = true, // unknown to the contract: must be ignored, not rejected
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("created").ValueKind);
        Assert.StartsWith("openai/gpt-4o-mini", root.GetProperty("model").GetString());
        var choice = root.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello there!", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(9, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(12, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        var upstream = hub.Upstream.LastRequest;
        Assert.Equal("/v1/chat/completions", upstream.Path);
        Assert.Equal($"Bearer {HubFixture.UpstreamApiKey}", upstream.Authorization);
        using var sent = upstream.Json();
        Assert.Equal("gpt-4o-mini", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(50, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("system", sent.RootElement.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Streaming_call_is_framed_as_openai_server_sent_events_with_usage_and_done()
    {
        hub.Upstream.Reset();
        hub.Upstream.ReplyStream(["Hel", "lo", " world"], new FakeUsage(5, 3));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "openai/gpt-4o-mini",
                messages = Hello,
                stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await hub.Rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var raw = await response.Content.ReadAsStringAsync();

        Assert.EndsWith("\n\ndata: [DONE]\n\n", raw, StringComparison.Ordinal);
        var events = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain('\n', e));
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToArray();

        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = string.Concat(chunks
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _))
            .Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("Hello world", text);

        var finish = chunks[^2];
        Assert.Equal("stop", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, finish.GetProperty("usage").ValueKind);

        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(5, usage.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(8, usage.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        using var sent = hub.Upstream.LastRequest.Json();
        Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
        Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task Streaming_without_include_usage_sends_no_usage_chunk()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "demo/echo", messages = Hello, stream = true }),
        };
        using var response = await hub.Rest.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("\"usage\"", raw);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\":\"demo/echo\",\"temperature\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "temperature")]
    [InlineData("{\"model\":\"demo/echo\",\"messages\":[]}", "messages")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model")]
    [InlineData("{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"user\"}]}", "messages[0].content")]
    [InlineData("{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "messages[0].role")]
    [InlineData("{\"model\":\"demo/echo\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens")]
    [InlineData("{\"model\":\"demo/echo\",\"stream\":true,\"top_p\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "top_p")]
    public async Task Invalid_request_is_refused_with_400_naming_the_param(string json, string param)
    {
        using var response = await hub.Rest.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}", "temperature", "expected a number, but got a string")]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo/echo\",\"stream\":true,\"messages\":\"nope\"}", "messages", "expected an array, but got a string")]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":1.5}", "n", "expected an integer, but got a decimal")]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":1}]}]}", "messages[0].tool_calls[0].id", "expected a string, but got an integer")]
    [InlineData("/v1/embeddings", "{\"model\":\"demo/embed\",\"input\":\"x\",\"dimensions\":\"big\"}", "dimensions", "expected an integer, but got a string")]
    [InlineData("/v1/images/generations", "{\"model\":\"demo/image\",\"prompt\":\"x\",\"n\":\"two\"}", "n", "expected an integer, but got a string")]
    public async Task A_value_of_the_wrong_type_is_refused_naming_the_field_and_the_types(string route, string json, string param, string because)
    {
        using var response = await hub.Rest.PostAsync(route, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(("invalid_request_error", param), (error.GetProperty("type").GetString(), error.GetProperty("param").GetString()));
        Assert.Equal($"Invalid type for '{param}': {because} instead.", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{\"model\":\"demo/echo\",")]
    [InlineData("{\"model\":\"demo/echo\",\"stream\":true,\"messages\":\"nope\"}")]
    public async Task Malformed_json_is_refused_with_400_in_openai_shape(string json)
    {
        using var response = await hub.Rest.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("   at ", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_refused_with_400_in_openai_shape()
    {
        var json = Encoding.UTF8.GetBytes("{\"model\":\"demo/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9 \"}]}");
        var broken = json.ToList();
        broken.InsertRange(broken.IndexOf((byte)' '), new byte[] { 0xC3, 0x28 }); // a lead byte without its continuation
        using var content = new ByteArrayContent(broken.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await hub.Rest.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.EndsWith("The body is not valid UTF-8.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Concurrent_calls_with_different_bodies_are_each_answered_from_their_own_body()
    {
        // Long bodies (sent chunked, larger than the first body buffer) and short ones at once: a pooled body or parse
        // buffer reused across calls must never hand one call's text to another.
        var prompts = Enumerable.Range(0, 24)
            .Select(i => i % 2 == 0 ? $"long question {i} " + new string((char)('a' + i), 10_000) : $"q{i} é")
            .ToArray();

        var answers = await Task.WhenAll(prompts.Select(async prompt =>
        {
            using var response = await hub.PostChatAsync(new { model = "demo/echo", messages = new object[] { new { role = "user", content = prompt } } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        }));

        Assert.Equal(prompts, answers);
    }

    [Fact]
    public async Task Unknown_model_answers_404_model_not_found()
    {
        using var response = await hub.PostChatAsync(new { model = "demo/not-a-model", messages = Hello });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Upstream_server_error_becomes_502_without_the_upstream_body()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(500, "internal explosion at sk-leaked-secret-1234567890abcdef");

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("explosion", raw);
        Assert.DoesNotContain("sk-leaked", raw);
        Assert.DoesNotContain(HubFixture.UpstreamApiKey, raw);
        using var body = JsonDocument.Parse(raw);
        Assert.Equal("upstream_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("provider_unavailable", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Upstream_credential_refusal_becomes_502_saying_so()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(401, "Incorrect API key provided: sk-test-****cdef");

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("provider_credential_refused", error.GetProperty("code").GetString());
        Assert.Contains("credential", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Upstream_rate_limit_becomes_429_with_retry_after()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(429, "Rate limit reached", TimeSpan.FromSeconds(7));

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        var error = await ErrorOf(response);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Upstream_failure_before_a_stream_starts_is_an_http_error_not_a_stream()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(503);

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello, stream = true });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Upstream_timeout_becomes_504()
    {
        hub.Upstream.Reset();
        hub.Upstream.Hang();

        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("provider_timeout", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_cancels_the_upstream_request_and_is_recorded()
    {
        hub.Upstream.Reset();
        var pieces = Enumerable.Range(0, 200).Select(i => $" w{i}").ToArray();
        hub.Upstream.ReplyStream(pieces, new FakeUsage(3, 200), delayBetweenPieces: TimeSpan.FromMilliseconds(50));

        string requestId;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "openai/gpt-4o-mini", messages = Hello, stream = true }),
        })
        {
            var response = await hub.Rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            requestId = response.Headers.GetValues("x-request-id").Single();
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[256];
            Assert.True(await stream.ReadAsync(buffer) > 0);

            // Walk away after the first bytes.
            response.Dispose();
        }

        var aborted = await Task.WhenAny(hub.Upstream.ClientAborted, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(hub.Upstream.ClientAborted, aborted);

        var record = await hub.WaitForCallRecordAsync(requestId);
        Assert.Equal("cancelled", record.GetProperty("status").GetString());
        Assert.True(record.GetProperty("streamed").GetBoolean());
    }

    [Fact]
    public async Task Demo_model_echoes_the_last_user_message_with_honest_usage()
    {
        using var response = await hub.PostChatAsync(new
        {
            model = "demo/echo",
            messages = new object[]
            {
                new { role = "user", content = "first question" },
                new { role = "assistant", content = "first answer" },
                new { role = "user", content = new object[] { new { type = "text", text = "the second one" } } },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("demo/echo", root.GetProperty("model").GetString());
        Assert.Equal("aignehub-demo", root.GetProperty("system_fingerprint").GetString());
        Assert.Equal("the second one", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(7, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Unknown_route_under_v1_answers_404_in_openai_shape()
    {
        using var response = await hub.Rest.GetAsync("/v1/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").Clone();
    }
}
