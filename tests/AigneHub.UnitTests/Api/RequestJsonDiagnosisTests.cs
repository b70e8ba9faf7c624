using System.Text;
using AigneHub.Api.Errors;
using AigneHub.Api.Grpc.V1;

namespace AigneHub.UnitTests.Api;

/// <summary>What a client is told about a body the transcoder refused: the field at fault and why, in OpenAI's words.</summary>
public sealed class RequestJsonDiagnosisTests
{
    private static (string? Param, string Message)? Chat(string json) =>
        RequestJsonDiagnosis.Diagnose(CreateChatCompletionRequest.Descriptor, Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages", "Invalid type for 'messages': expected an array, but got a string instead.")]
    [InlineData("""{"model":"m","temperature":"hot"}""", "temperature", "Invalid type for 'temperature': expected a number, but got a string instead.")]
    [InlineData("""{"model":"m","n":1.5}""", "n", "Invalid type for 'n': expected an integer, but got a decimal instead.")]
    [InlineData("""{"model":"m","n":"2"}""", "n", "Invalid type for 'n': expected an integer, but got a string instead.")]
    [InlineData("""{"model":"m","n":3000000000}""", "n", "Invalid value for 'n': 3000000000 is out of range for an integer.")]
    [InlineData("""{"model":"m","stream":"yes"}""", "stream", "Invalid type for 'stream': expected a boolean, but got a string instead.")]
    [InlineData("""{"model":7}""", "model", "Invalid type for 'model': expected a string, but got an integer instead.")]
    [InlineData("""{"model":"m","stream_options":true}""", "stream_options", "Invalid type for 'stream_options': expected an object, but got a boolean instead.")]
    [InlineData("""{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":[]}}]}""", "tools[0].function.parameters", "Invalid type for 'tools[0].function.parameters': expected an object, but got an array instead.")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":1}]}]}""", "messages[1].tool_calls[0].id", "Invalid type for 'messages[1].tool_calls[0].id': expected a string, but got an integer instead.")]
    [InlineData("""{"model":"m","messages":[null]}""", "messages[0]", "Invalid type for 'messages[0]': expected an object, but got null instead.")]
    public void A_value_of_the_wrong_type_is_named_by_its_path(string json, string param, string message)
    {
        var misfit = Chat(json);

        Assert.Equal((param, message), misfit);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stop":["a"],"seed":"42","max_tokens":null,"unknown":{"x":[1]}}""")]
    [InlineData("""{"model":"m","tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"}}}}""")]
    [InlineData("""{"model":"m","seed":42,"temperature":1,"top_p":0.5}""")]
    public void A_body_of_the_right_shape_has_nothing_named(string json)
    {
        Assert.Null(Chat(json));
    }

    [Fact]
    public void Malformed_json_is_located_and_a_non_object_body_is_described()
    {
        Assert.Equal((null, "The body is not valid JSON (line 1, column 2)."), Chat("{bad json"));
        Assert.Equal((null, "The body must be a JSON object, but it is an array."), Chat("[1]"));
    }

    [Fact]
    public void Other_request_messages_are_walked_by_their_own_fields()
    {
        var misfit = RequestJsonDiagnosis.Diagnose(CreateEmbeddingsRequest.Descriptor, """{"model":"m","input":["a"],"dimensions":"big"}"""u8.ToArray());

        Assert.Equal(("dimensions", "Invalid type for 'dimensions': expected an integer, but got a string instead."), misfit);
    }
}
