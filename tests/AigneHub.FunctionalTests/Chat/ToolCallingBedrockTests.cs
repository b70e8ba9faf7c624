using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>
/// An OpenAI-shaped request with tools, sent to the hub for a registered <c>bedrock</c> provider, reaches a fake
/// Bedrock (which checks the SigV4 signature and Converse's tool-block rules) as Converse <c>toolConfig</c>,
/// <c>toolUse</c> and <c>toolResult</c>, and Bedrock's tool use comes back as OpenAI <c>tool_calls</c>, unary and
/// streamed.
/// </summary>
/// <remarks>
/// A hub of its own (<see cref="BedrockToolCallingCollection"/>): the shared "hub" collection's admin tests register
/// <c>bedrock</c> against AWS itself, and a provider can be registered only once, so pointing that one at the fake
/// would make the two depend on the order xunit runs them in.
/// </remarks>
[Collection(BedrockToolCallingCollection.Name)]
public sealed class ToolCallingBedrockTests(HubFixture hub) : IAsyncLifetime
{
    private const string Model = "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0";

    private static readonly object[] Tools =
    [
        new
        {
            type = "function",
            function = new
            {
                name = "get_weather",
                description = "Current weather of a city",
                parameters = new { type = "object", properties = new { city = new { type = "string" } }, required = new[] { "city" } },
            },
        },
    ];

    private static readonly object[] Question = [new { role = "user", content = "Weather in Paris?" }];

    private FakeBedrockUpstream _bedrock = null!;

    public async Task InitializeAsync()
    {
        _bedrock = await FakeBedrockUpstream.StartAsync();
        await RegisterBedrockAsync();
    }

    public async Task DisposeAsync() => await _bedrock.DisposeAsync();

    [Fact]
    public async Task A_required_tool_call_comes_back_as_openai_tool_calls()
    {
        _bedrock.ReplyWithToolUse(["Checking."], [new FakeBedrockToolUse("tooluse_paris_1", "get_weather", """{"city":"Paris"}""")], new FakeBedrockUsage(40, 9));

        using var response = await hub.PostChatAsync(new { model = Model, messages = Question, tools = Tools, tool_choice = "required" });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        var choice = answer.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("Checking.", message.GetProperty("content").GetString());
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("tooluse_paris_1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());

        using var sent = _bedrock.LastRequest.Json();
        var toolConfig = sent.RootElement.GetProperty("toolConfig");
        var spec = toolConfig.GetProperty("tools")[0].GetProperty("toolSpec");
        Assert.Equal("get_weather", spec.GetProperty("name").GetString());
        Assert.Equal("string", spec.GetProperty("inputSchema").GetProperty("json").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.True(toolConfig.GetProperty("toolChoice").TryGetProperty("any", out _));
    }

    [Fact]
    public async Task A_streamed_tool_call_arrives_as_ordered_argument_deltas()
    {
        _bedrock.ReplyWithToolUse(
            [],
            [
                new FakeBedrockToolUse("tooluse_a", "get_weather", """{"city":"Paris"}""", ["{\"city\"", ":\"Par", "is\"}"]),
                new FakeBedrockToolUse("tooluse_b", "get_weather", """{"city":"Oslo"}""", ["{\"city\":\"Oslo\"}"]),
            ]);

        using var response = await hub.PostChatAsync(new { model = Model, messages = Question, tools = Tools, stream = true });

        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, raw);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);
        var chunks = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e != "data: [DONE]")
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0])
            .ToList();
        var calls = new SortedDictionary<int, (string? Id, string? Name, string Arguments)>();
        foreach (var delta in chunks.Select(c => c.GetProperty("delta")))
        {
            if (!delta.TryGetProperty("tool_calls", out var toolCalls))
            {
                continue;
            }

            foreach (var piece in toolCalls.EnumerateArray())
            {
                var index = piece.GetProperty("index").GetInt32();
                var function = piece.GetProperty("function");
                calls.TryGetValue(index, out var call);
                calls[index] = (
                    call.Id ?? (piece.TryGetProperty("id", out var id) ? id.GetString() : null),
                    call.Name ?? (function.TryGetProperty("name", out var name) ? name.GetString() : null),
                    (call.Arguments ?? string.Empty) + (function.TryGetProperty("arguments", out var arguments) ? arguments.GetString() : null));
            }
        }

        Assert.Equal([0, 1], calls.Keys);
        Assert.Equal(("tooluse_a", "get_weather", """{"city":"Paris"}"""), calls[0]);
        Assert.Equal(("tooluse_b", "get_weather", """{"city":"Oslo"}"""), calls[1]);
        Assert.Equal("tool_calls", chunks.Single(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task A_tool_call_streamed_over_grpc_arrives_as_tool_call_chunks()
    {
        _bedrock.ReplyWithToolUse([], [new FakeBedrockToolUse("tooluse_grpc", "get_weather", """{"city":"Rome"}""", ["{\"city\":", "\"Rome\"}"])]);
        var request = new CreateChatCompletionRequest { Model = Model };
        request.Messages.Add(new AigneHub.Api.Grpc.V1.ChatMessage { Role = "user", Content = Value.ForString("Weather in Rome?") });
        var parameters = new Struct();
        parameters.Fields["type"] = Value.ForString("object");
        request.Tools.Add(new Tool { Type = "function", Function = new FunctionDefinition { Name = "get_weather", Parameters = parameters } });
        request.ToolChoice = Value.ForString("required");

        using var call = new Inference.InferenceClient(hub.Grpc).StreamChatCompletion(request);
        var chunks = new List<ToolCallChunk>();
        string? finish = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            foreach (var choice in chunk.Choices)
            {
                chunks.AddRange(choice.Delta.ToolCalls);
                finish = choice.HasFinishReason ? choice.FinishReason : finish;
            }
        }

        Assert.Equal(("tooluse_grpc", "get_weather"), (chunks[0].Id, chunks[0].Function.Name));
        Assert.All(chunks, c => Assert.Equal(0, c.Index));
        Assert.Equal("""{"city":"Rome"}""", string.Concat(chunks.Select(c => c.Function.Arguments)));
        Assert.Equal("tool_calls", finish);
        using var sent = _bedrock.LastRequest.Json();
        Assert.True(sent.RootElement.GetProperty("toolConfig").GetProperty("toolChoice").TryGetProperty("any", out _));
    }

    [Fact]
    public async Task The_tool_result_goes_back_to_bedrock_as_a_tool_result_block_answering_its_tool_use()
    {
        _bedrock.Reply(["It is sunny in Paris."]);
        object[] messages =
        [
            new { role = "user", content = "Weather in Paris?" },
            new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new[] { new { id = "tooluse_paris_1", type = "function", function = new { name = "get_weather", arguments = """{"city":"Paris"}""" } } },
            },
            new { role = "tool", tool_call_id = "tooluse_paris_1", content = "sunny, 21 C" },
        ];

        using var response = await hub.PostChatAsync(new { model = Model, messages, tools = Tools });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        Assert.Equal("It is sunny in Paris.", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        using var sent = _bedrock.LastRequest.Json();
        var turns = sent.RootElement.GetProperty("messages");
        var toolUse = turns[1].GetProperty("content")[0].GetProperty("toolUse");
        Assert.Equal(("tooluse_paris_1", "get_weather", "Paris"), (toolUse.GetProperty("toolUseId").GetString(), toolUse.GetProperty("name").GetString(), toolUse.GetProperty("input").GetProperty("city").GetString()));
        var toolResult = turns[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal("user", turns[2].GetProperty("role").GetString());
        Assert.Equal("tooluse_paris_1", toolResult.GetProperty("toolUseId").GetString());
        Assert.Equal("sunny, 21 C", toolResult.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Tool_call_arguments_that_are_not_json_answer_400_in_the_openai_envelope()
    {
        object[] messages =
        [
            new { role = "user", content = "Weather in Paris?" },
            new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new[] { new { id = "tooluse_bad", type = "function", function = new { name = "get_weather", arguments = "{city: Paris" } } },
            },
            new { role = "tool", tool_call_id = "tooluse_bad", content = "sunny" },
        ];
        var before = _bedrock.Requests.Count;

        using var response = await hub.PostChatAsync(new { model = Model, messages, tools = Tools });

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(text);
        var body = error.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", body.GetProperty("type").GetString());
        Assert.Contains("messages[1].tool_calls[0].function.arguments is not a JSON object", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("{city: Paris", text, StringComparison.Ordinal);
        Assert.Equal(before, _bedrock.Requests.Count);
    }

    /// <summary>Registers <c>bedrock</c> at the fake (first test) or points it there (later tests), and waits until calls reach it.</summary>
    private async Task RegisterBedrockAsync()
    {
        using var existing = await hub.Rest.GetAsync("/api/admin/providers/bedrock");
        int version;
        if (existing.StatusCode == HttpStatusCode.NotFound)
        {
            version = await SendAsync(HttpMethod.Post, "/api/admin/providers", new { provider = "bedrock", base_url = _bedrock.BaseUrl, region = _bedrock.Region });
            version = await SendAsync(HttpMethod.Post, "/api/admin/providers/bedrock/credentials", new
            {
                expected_version = version,
                name = "fake-aws",
                access_key_id = _bedrock.AccessKeyId,
                secret_access_key = _bedrock.SecretAccessKey,
            });
        }
        else
        {
            using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
            version = document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
            await SendAsync(HttpMethod.Patch, "/api/admin/providers/bedrock", new { expected_version = version, base_url = _bedrock.BaseUrl, region = _bedrock.Region });
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var before = _bedrock.Requests.Count;
            using var probe = await hub.PostChatAsync(new { model = Model, messages = Question, max_tokens = 1 });
            if (probe.IsSuccessStatusCode && _bedrock.Requests.Count > before)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"bedrock did not reach the fake within 15 s: {(int)probe.StatusCode} {await probe.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

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

/// <summary>A hub of its own for the Bedrock tool-calling tests (see <see cref="ToolCallingBedrockTests"/>).</summary>
[CollectionDefinition(Name)]
public sealed class BedrockToolCallingCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "hub-bedrock-tools";
}
