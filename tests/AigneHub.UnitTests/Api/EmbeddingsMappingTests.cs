using AigneHub.Api.Grpc;
using AigneHub.Application.Errors;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.UnitTests.Api;

public sealed class EmbeddingsMappingTests
{
    [Fact]
    public void Base64_is_little_endian_float32_as_openai_sends_it() =>
        Assert.Equal("AACAPwAAAMA=", EmbeddingsMapping.ToBase64([1f, -2f]));

    [Fact]
    public void Floats_are_written_with_their_shortest_digits()
    {
        var response = EmbeddingsMapping.ToResponse(new AigneHub.Application.Embeddings.EmbeddingResult("demo/embed", [[0.1f, 0.3f]], default), "float");

        Assert.Equal([0.1, 0.3], response.Data[0].Embedding.ListValue.Values.Select(v => v.NumberValue));
    }

    [Fact]
    public void A_single_string_input_is_one_input()
    {
        var command = EmbeddingsMapping.ToCommand(new AigneHub.Api.Grpc.V1.CreateEmbeddingsRequest { Model = "m", Input = Value.ForString("hi") }, "r");

        Assert.Equal(["hi"], command.Inputs);
    }

    [Fact]
    public void Token_arrays_are_refused_naming_input()
    {
        var request = new AigneHub.Api.Grpc.V1.CreateEmbeddingsRequest { Model = "m", Input = Value.ForList(Value.ForNumber(1), Value.ForNumber(2)) };

        var failure = Assert.Throws<RequestValidationException>(() => EmbeddingsMapping.ToCommand(request, "r"));

        Assert.Equal("input", failure.Violations[0].Field);
    }
}
