using System.Net;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>Tool calling through the hub to an OpenAI-protocol upstream: the request arrives intact, the calls come back.</summary>
[Collection(HubCollection.Name)]
public sealed class ToolCallingOpenAITests(HubFixture hub)
{
    private static readonly object WeatherTool = new
    {
        type = "function",
        function = new
        {
            name = "get_weather",
            description = "Current weather",
            parameters = new { type = "object", properties = new { city = new { type = "string" } }, required = new[] { "city" } },
        },
    };

    [Fact]
    public async Task A_tool_call_answer_comes_back_as_OpenAI_tool_calls_and_the_upstream_saw_the_tools()
    {
        hub.Upstream.Reset();
        hub.Upstream.RespondRaw(200, "application/json", """
            {"id":"chatcmpl-t","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_up_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
               "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38}}
            """);

        using var response = await hub.PostChatAsync(new
        {
            model = "openai/gpt-4o-mini",
            messages = new object[] { new { role = "user", content = "Weather in Paris?" } },
            tools = new[] { WeatherTool },
            tool_choice = "auto",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("call_up_1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());

        using var sent = JsonDocument.Parse(hub.Upstream.LastRequest.Body);
        var tool = sent.RootElement.GetProperty("tools")[0].GetProperty("function");
        Assert.Equal("get_weather", tool.GetProperty("name").GetString());
        Assert.Equal("city", tool.GetProperty("parameters").GetProperty("required")[0].GetString());
        Assert.Equal("auto", sent.RootElement.GetProperty("tool_choice").GetString());
    }

    [Fact]
    public async Task Streamed_tool_call_deltas_are_relayed_as_OpenAI_chunks_in_order()
    {
        hub.Upstream.Reset();
        static string Chunk(string delta, string finish = "null") =>
            "data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
        hub.Upstream.RespondRaw(200, "text/event-stream", string.Concat(
            Chunk("""{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_s1","type":"function","function":{"name":"get_weather","arguments":""}}]}"""),
            Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}"""),
            Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]}"""),
            Chunk("{}", "\"tool_calls\""),
            "data: [DONE]\n\n"));

        using var response = await hub.PostChatAsync(new
        {
            model = "openai/gpt-4o-mini",
            messages = new object[] { new { role = "user", content = "Weather in Oslo?" } },
            tools = new[] { WeatherTool },
            stream = true,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..])
            .ToList();
        Assert.Equal("[DONE]", events[^1]);
        var deltas = events[..^1]
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0])
            .ToList();
        var calls = deltas
            .Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(c => c.GetProperty("delta").GetProperty("tool_calls")[0])
            .ToList();
        Assert.Equal("call_s1", calls[0].GetProperty("id").GetString());
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Oslo"}""", string.Concat(calls.Select(c => c.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : string.Empty)));
        Assert.Equal("tool_calls", deltas[^1].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Malformed_tool_choice_is_a_400_naming_the_parameter_and_nothing_reaches_the_upstream()
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var response = await hub.PostChatAsync(new
        {
            model = "openai/gpt-4o-mini",
            messages = new object[] { new { role = "user", content = "hi" } },
            tools = new[] { WeatherTool },
            tool_choice = "always",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("tool_choice", body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, hub.Upstream.RequestCount);
    }
}
