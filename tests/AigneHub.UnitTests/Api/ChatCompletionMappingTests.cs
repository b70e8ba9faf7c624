using AigneHub.Api.Grpc;
using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using Google.Protobuf;

namespace AigneHub.UnitTests.Api;

public sealed class ChatCompletionMappingTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static CreateChatCompletionRequest Parse(string json) => Parser.Parse<CreateChatCompletionRequest>(json);

    [Fact]
    public void Openai_json_with_snake_case_fields_and_unknown_members_maps_to_the_command()
    {
        var request = Parse("""
            {"model":"openai/gpt-4o","temperature":0.5,"top_p":0.9,"max_tokens":100,"max_completion_tokens":80,
             "stop":["END","STOP"],"seed":42,"user":"u-1","presence_penalty":0.1,"frequency_penalty":0.2,
             "logit_bias":{"50256":-100},"parallel_tool_calls":true,
             "messages":[{"role":"system","content":"be nice"},{"role":"user","content":"hi","name":"ann"}]}
            """);

        var command = ChatCompletionMapping.ToCommand(request, "req");

        Assert.Equal("openai/gpt-4o", command.Model);
        Assert.Equal((0.5, 0.9, 80, 42L, "u-1"), (command.Settings.Temperature, command.Settings.TopP, command.Settings.MaxTokens, command.Settings.Seed, command.Settings.User));
        Assert.Equal(["END", "STOP"], command.Settings.Stop!);
        Assert.Equal(ChatRole.System, command.Messages[0].Role);
        Assert.Equal("ann", command.Messages[1].Name);
        Assert.Null(command.Settings.N);
    }

    [Fact]
    public void Absent_optional_settings_stay_null_so_the_provider_default_applies()
    {
        var command = ChatCompletionMapping.ToCommand(Parse("""{"model":"m","messages":[{"role":"user","content":"x"}]}"""), "req");

        Assert.Null(command.Settings.Temperature);
        Assert.Null(command.Settings.MaxTokens);
        Assert.Null(command.Settings.Stop);
    }

    [Fact]
    public void Content_parts_map_to_text_and_image_parts()
    {
        var request = Parse("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"what is this?"},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}}]}]}
            """);

        var message = ChatCompletionMapping.ToCommand(request, "req").Messages[0];

        Assert.Null(message.Text);
        Assert.Equal(new TextPart("what is this?"), message.Parts![0]);
        Assert.Equal(new ImagePart("https://example.com/cat.png", "low"), message.Parts[1]);
    }

    [Fact]
    public void A_single_stop_string_becomes_one_sequence()
    {
        var command = ChatCompletionMapping.ToCommand(Parse("""{"model":"m","stop":"\n\n","messages":[{"role":"user","content":"x"}]}"""), "req");

        Assert.Equal(["\n\n"], command.Settings.Stop!);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"robot","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"audio","audio":"x"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]}""", "messages[0].content[0]")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","stop":7,"messages":[{"role":"user","content":"x"}]}""", "stop")]
    public void Shapes_the_command_cannot_express_are_field_violations(string json, string field)
    {
        var error = Assert.Throws<RequestValidationException>(() => ChatCompletionMapping.ToCommand(Parse(json), "req"));

        Assert.Equal(field, Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void Completion_maps_to_the_openai_response()
    {
        var completion = new AigneHub.Application.Chat.ChatCompletion(
            "chatcmpl-1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "openai/gpt-4o", "hi", "length",
            new AigneHub.Domain.Usage.TokenUsage(3, 4), "fp_1");

        var response = ChatCompletionMapping.ToResponse(completion);

        Assert.Equal(("chatcmpl-1", "chat.completion", 1_700_000_000L, "openai/gpt-4o"), (response.Id, response.Object, response.Created, response.Model));
        Assert.Equal(("assistant", "hi", "length"), (response.Choices[0].Message.Role, response.Choices[0].Message.Content, response.Choices[0].FinishReason));
        Assert.Equal(7, response.Usage.TotalTokens);
        Assert.Equal("fp_1", response.SystemFingerprint);
    }
}
