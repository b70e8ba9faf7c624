using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>
/// An OpenAI-shaped chat call with tools, sent to the hub for a google/ model, reaches Gemini as function declarations,
/// function calls and function responses, and Gemini's function calls come back as OpenAI tool_calls, unary and
/// streamed.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ToolCallingGeminiTests(HubFixture hub)
{
    private const string Model = "google/gemini-2.5-flash";

    // The key RegisteredProviderRoutingTests registers for google, so that either test may register the provider.
    private const string GoogleKey = "AIza-functional-0123456789";

    private static readonly object[] Tools =
    [
        new
        {
            type = "function",
            function = new
            {
                name = "get_weather",
                description = "Current weather of a city",
                parameters = new
                {
                    type = "object",
                    properties = new { city = new { type = "string" } },
                    required = new[] { "city" },
                    additionalProperties = false,
                },
            },
        },
    ];

    [Fact]
    public async Task Gemini_function_call_comes_back_as_openai_tool_calls()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        await RouteGoogleToAsync(gemini);
        gemini.RespondRaw(200, "application/json", """
            {
              "candidates": [ {
                "content": { "role": "model", "parts": [ { "functionCall": { "name": "get_weather", "args": { "city": "Paris" } } } ] },
                "finishReason": "STOP", "index": 0
              } ],
              "usageMetadata": { "promptTokenCount": 25, "candidatesTokenCount": 7 },
              "responseId": "gemini-tools-unary"
            }
            """);

        using var response = await hub.PostChatAsync(new
        {
            model = Model,
            messages = new object[] { new { role = "user", content = "Weather in Paris?" } },
            tools = Tools,
            tool_choice = "required",
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);

        using var answer = JsonDocument.Parse(text);
        var choice = answer.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", call.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using (var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!))
        {
            Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        }

        using var sent = gemini.LastRequest.Json();
        var declaration = sent.RootElement.GetProperty("tools")[0].GetProperty("functionDeclarations")[0];
        Assert.Equal("get_weather", declaration.GetProperty("name").GetString());
        Assert.False(declaration.GetProperty("parametersJsonSchema").GetProperty("additionalProperties").GetBoolean());
        Assert.Equal("ANY", sent.RootElement.GetProperty("toolConfig").GetProperty("functionCallingConfig").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Tool_results_reach_gemini_as_function_responses_and_streamed_calls_come_back_as_deltas()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        await RouteGoogleToAsync(gemini);
        gemini.RespondRaw(200, "text/event-stream", string.Concat(
            """data: {"candidates":[{"content":{"role":"model","parts":[{"text":"And Rome: "}]},"index":0}]}""" + "\r\n\r\n",
            """data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}]},"index":0}]}""" + "\r\n\r\n",
            """data: {"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":9}}""" + "\r\n\r\n"));

        using var response = await hub.PostChatAsync(new
        {
            model = Model,
            stream = true,
            tools = Tools,
            messages = new object[]
            {
                new { role = "user", content = "Weather in Paris, then Rome?" },
                new
                {
                    role = "assistant",
                    content = (string?)null,
                    tool_calls = new[] { new { id = "call_paris", type = "function", function = new { name = "get_weather", arguments = """{"city":"Paris"}""" } } },
                },
                new { role = "tool", tool_call_id = "call_paris", content = "sunny, 21 C" },
            },
        });
        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, raw);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);

        var deltas = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e != "data: [DONE]")
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0])
            .ToList();
        Assert.Equal("And Rome: ", string.Concat(deltas.Select(c => c.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null)));
        var toolCallDeltas = deltas
            .Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .SelectMany(c => c.GetProperty("delta").GetProperty("tool_calls").EnumerateArray())
            .ToList();
        var first = Assert.Single(toolCallDeltas);
        Assert.Equal(0, first.GetProperty("index").GetInt32());
        Assert.StartsWith("call_", first.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("get_weather", first.GetProperty("function").GetProperty("name").GetString());
        using (var arguments = JsonDocument.Parse(first.GetProperty("function").GetProperty("arguments").GetString()!))
        {
            Assert.Equal("Rome", arguments.RootElement.GetProperty("city").GetString());
        }

        Assert.Equal("tool_calls", deltas.Select(c => c.GetProperty("finish_reason")).Single(f => f.ValueKind == JsonValueKind.String).GetString());

        using var sent = gemini.LastRequest.Json();
        var contents = sent.RootElement.GetProperty("contents");
        Assert.Equal("model", contents[1].GetProperty("role").GetString());
        var functionCall = contents[1].GetProperty("parts")[0].GetProperty("functionCall");
        Assert.Equal("get_weather", functionCall.GetProperty("name").GetString());
        Assert.Equal("Paris", functionCall.GetProperty("args").GetProperty("city").GetString());
        var functionResponse = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
        Assert.Equal("get_weather", functionResponse.GetProperty("name").GetString());
        Assert.Equal("sunny, 21 C", functionResponse.GetProperty("response").GetProperty("output").GetString());
    }

    /// <summary>
    /// Points the registered google provider at this test's fake upstream: registers it (with one key) when no test of
    /// the collection has yet, else re-points it, then waits until calls reach the fake.
    /// </summary>
    private async Task RouteGoogleToAsync(FakeGeminiUpstream gemini)
    {
        using var existing = await hub.Rest.GetAsync("/api/admin/providers/google");
        int version;
        if (existing.StatusCode == HttpStatusCode.NotFound)
        {
            version = await SendAsync(HttpMethod.Post, "/api/admin/providers", new { provider = "google", base_url = gemini.BaseUrl });
            version = await SendAsync(HttpMethod.Post, "/api/admin/providers/google/credentials", new { expected_version = version, name = "main", api_key = GoogleKey });
        }
        else
        {
            using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
            version = document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
            await SendAsync(HttpMethod.Patch, "/api/admin/providers/google", new { expected_version = version, base_url = gemini.BaseUrl });
        }

        // The call path picks the change up on its next refresh: until then calls go where google pointed before.
        // (Adding a credential tests it against the fake's model list, so only a chat call counts.)
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!ReachedByChat(gemini))
        {
            Assert.True(DateTime.UtcNow < deadline, "google did not route to the test's upstream within 15 s");
            using var probe = await hub.PostChatAsync(new { model = Model, messages = new object[] { new { role = "user", content = "ping" } }, max_tokens = 1 });
            if (!ReachedByChat(gemini))
            {
                await Task.Delay(100);
            }
        }

        gemini.Reset();
    }

    private static bool ReachedByChat(FakeGeminiUpstream gemini) =>
        gemini.Requests.Any(r => r.Path.Contains(":generateContent", StringComparison.Ordinal));

    private async Task<int> SendAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }
}
