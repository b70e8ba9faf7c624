using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.FunctionalTests.Grpc;

/// <summary>
/// What the openai SDK suite does with tools and JSON mode, done by a C# gRPC client: a two-step tool round trip and
/// a json_schema answer, against the fake OpenAI upstream, checking what the upstream received.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class GrpcToolsAndJsonTests(HubFixture hub)
{
    private static Tool WeatherTool()
    {
        var parameters = Struct.Parser.ParseJson("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");
        return new Tool { Type = "function", Function = new FunctionDefinition { Name = "get_weather", Description = "Current weather", Parameters = parameters } };
    }

    private static ChatMessage User(string text) => new() { Role = "user", Content = Value.ForString(text) };

    [Fact]
    public async Task A_two_step_tool_round_trip_over_grpc_reaches_the_upstream_in_openai_form()
    {
        hub.Upstream.Reset();
        hub.Upstream.RespondRaw(200, "application/json", """
            {"id":"chatcmpl-g1","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_grpc_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lima\"}"}}]},
               "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38}}
            """);
        var inference = new Inference.InferenceClient(hub.Grpc);
        var ask = new CreateChatCompletionRequest { Model = "openai/gpt-4o-mini", ToolChoice = Value.ForString("auto") };
        ask.Messages.Add(User("Weather in Lima?"));
        ask.Tools.Add(WeatherTool());

        var first = await inference.CreateChatCompletionAsync(ask);

        var choice = Assert.Single(first.Choices);
        Assert.Equal("tool_calls", choice.FinishReason);
        Assert.False(choice.Message.HasContent);
        var call = Assert.Single(choice.Message.ToolCalls);
        Assert.Equal(("call_grpc_1", "function", "get_weather", """{"city":"Lima"}"""), (call.Id, call.Type, call.Function.Name, call.Function.Arguments));
        using (var sent = JsonDocument.Parse(hub.Upstream.LastRequest.Body))
        {
            Assert.Equal("get_weather", sent.RootElement.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
            Assert.Equal("city", sent.RootElement.GetProperty("tools")[0].GetProperty("function").GetProperty("parameters").GetProperty("required")[0].GetString());
            Assert.Equal("auto", sent.RootElement.GetProperty("tool_choice").GetString());
        }

        hub.Upstream.Reply("It is 19 C in Lima.");
        var answer = new CreateChatCompletionRequest { Model = "openai/gpt-4o-mini" };
        answer.Messages.Add(User("Weather in Lima?"));
        var replay = new ChatMessage { Role = "assistant", Content = Value.ForNull() };
        replay.ToolCalls.Add(call);
        answer.Messages.Add(replay);
        answer.Messages.Add(new ChatMessage { Role = "tool", ToolCallId = "call_grpc_1", Content = Value.ForString("19 C, cloudy") });
        answer.Tools.Add(WeatherTool());

        var second = await inference.CreateChatCompletionAsync(answer);

        Assert.Equal("It is 19 C in Lima.", second.Choices[0].Message.Content);
        Assert.Equal("stop", second.Choices[0].FinishReason);
        using var replayed = JsonDocument.Parse(hub.Upstream.LastRequest.Body);
        var messages = replayed.RootElement.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var assistant = messages[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        var sentCall = assistant.GetProperty("tool_calls")[0];
        Assert.Equal(("call_grpc_1", "get_weather", """{"city":"Lima"}"""),
            (sentCall.GetProperty("id").GetString(), sentCall.GetProperty("function").GetProperty("name").GetString(), sentCall.GetProperty("function").GetProperty("arguments").GetString()));
        var tool = messages[2];
        Assert.Equal(("tool", "call_grpc_1", "19 C, cloudy"),
            (tool.GetProperty("role").GetString(), tool.GetProperty("tool_call_id").GetString(), tool.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_json_schema_answer_over_grpc_is_sent_upstream_as_response_format_and_parses()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("""{"city":"Quito","celsius":14}""");
        var request = new CreateChatCompletionRequest
        {
            Model = "openai/gpt-4o-mini",
            ResponseFormat = new ResponseFormat
            {
                Type = "json_schema",
                JsonSchema = new JsonSchemaFormat
                {
                    Name = "weather",
                    Strict = true,
                    Schema = Struct.Parser.ParseJson("""{"type":"object","properties":{"city":{"type":"string"},"celsius":{"type":"number"}},"required":["city","celsius"],"additionalProperties":false}"""),
                },
            },
        };
        request.Messages.Add(User("Weather in Quito as JSON"));

        var completion = await new Inference.InferenceClient(hub.Grpc).CreateChatCompletionAsync(request);

        using var parsed = JsonDocument.Parse(completion.Choices[0].Message.Content);
        Assert.Equal("Quito", parsed.RootElement.GetProperty("city").GetString());
        using var sent = JsonDocument.Parse(hub.Upstream.LastRequest.Body);
        var format = sent.RootElement.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        var schema = format.GetProperty("json_schema");
        Assert.Equal(("weather", true), (schema.GetProperty("name").GetString(), schema.GetProperty("strict").GetBoolean()));
        Assert.Equal("celsius", schema.GetProperty("schema").GetProperty("required")[1].GetString());
        Assert.False(schema.GetProperty("schema").GetProperty("additionalProperties").GetBoolean());
    }
}
