using System.Buffers.Binary;
using AigneHub.Application.Embeddings.Commands.CreateEmbeddings;
using AigneHub.Application.Embeddings;
using Google.Protobuf.WellKnownTypes;

namespace AigneHub.Api.Grpc;

/// <summary>
/// OpenAI's embeddings request and response, and the one thing the use case leaves to the edge: how vectors are
/// written (a JSON array of numbers, or OpenAI's base64 of little-endian float32 bytes).
/// </summary>
internal static class EmbeddingsMapping
{
    public const string FloatFormat = "float";
    public const string Base64Format = "base64";

    public static CreateEmbeddingsCommand ToCommand(V1.CreateEmbeddingsRequest request, string requestId)
    {
        if (!string.IsNullOrEmpty(request.EncodingFormat) && request.EncodingFormat is not (FloatFormat or Base64Format))
        {
            throw Invalid("encoding_format", "encoding_format must be \"float\" or \"base64\"");
        }

        return new CreateEmbeddingsCommand(
            requestId,
            request.Model,
            Inputs(request.Input),
            request.HasDimensions ? request.Dimensions : null,
            string.IsNullOrEmpty(request.User) ? null : request.User);
    }

    public static V1.CreateEmbeddingsResponse ToResponse(EmbeddingResult result, string? encodingFormat)
    {
        var base64 = encodingFormat == Base64Format;
        var response = new V1.CreateEmbeddingsResponse
        {
            Object = "list",
            Model = result.Model,
            Usage = new V1.EmbeddingUsage { PromptTokens = result.Usage.PromptTokens, TotalTokens = result.Usage.PromptTokens },
        };
        for (var i = 0; i < result.Vectors.Count; i++)
        {
            response.Data.Add(new V1.EmbeddingData
            {
                Object = "embedding",
                Index = i,
                Embedding = base64 ? Value.ForString(ToBase64(result.Vectors[i])) : Numbers(result.Vectors[i]),
            });
        }

        return response;
    }

    /// <summary>OpenAI's base64 form: the float32 values' little-endian bytes, base64-encoded.</summary>
    public static string ToBase64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    private static Value Numbers(float[] vector)
    {
        var list = new ListValue();
        foreach (var value in vector)
        {
            // The float's shortest round-trip digits, so 0.1f is written 0.1 and not 0.10000000149011612.
            list.Values.Add(Value.ForNumber(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
        }

        return Value.ForList(list.Values.ToArray());
    }

    private static IReadOnlyList<string> Inputs(Value? input) => input?.KindCase switch
    {
        null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue => [],
        Value.KindOneofCase.StringValue => [input.StringValue],
        Value.KindOneofCase.ListValue when input.ListValue.Values.All(v => v.KindCase == Value.KindOneofCase.StringValue) =>
            input.ListValue.Values.Select(v => v.StringValue).ToArray(),
        _ => throw Invalid("input", "input must be a string or an array of strings (token arrays are not accepted)"),
    };

    private static RequestValidationException Invalid(string field, string message) => new([new FieldViolation(field, message)]);
}
