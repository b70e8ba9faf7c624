using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.OpenAI;

// Tool calls of a message or a delta.
internal static partial class OpenAIResponseParser
{
    /// <summary>
    /// Reads a <c>tool_calls</c> array: whole calls in a message, pieces of calls in a streamed delta. Both come back as
    /// pieces; a call without an index (some compatible servers omit it) takes its position in the array.
    /// </summary>
    private static List<ToolCallDelta>? ReadToolCalls(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("tool_calls is not an array.");
        }

        var calls = new List<ToolCallDelta>(1);
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return calls.Count > 0 ? calls : null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A tool call is not an object.");
            }

            int? index = null;
            string? id = null;
            string? name = null;
            string? arguments = null;
            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    index = ReadInt32(ref reader);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    id = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("function"u8))
                {
                    ReadFunction(ref reader, out name, out arguments);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            calls.Add(new ToolCallDelta(index ?? calls.Count, string.IsNullOrEmpty(id) ? null : id, string.IsNullOrEmpty(name) ? null : name, arguments));
        }
    }

    private static void ReadFunction(ref Utf8JsonReader reader, out string? name, out string? arguments)
    {
        name = null;
        arguments = null;
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("function is not an object.");
        }

        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                Read(ref reader);
                arguments = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Null => null,

                    // A few compatible servers (Ollama's native answers among them) send the arguments as an object.
                    JsonTokenType.StartObject => ReadRawObject(ref reader),
                    _ => throw new JsonException("function.arguments is not a string."),
                };
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static string ReadRawObject(ref Utf8JsonReader reader)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    /// <summary>Whole calls of a unary answer, from the pieces the parser read (one piece per call).</summary>
    private static IReadOnlyList<ToolCall>? ToToolCalls(IReadOnlyList<ToolCallDelta>? pieces)
    {
        if (pieces is null)
        {
            return null;
        }

        var calls = new ToolCall[pieces.Count];
        for (var i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            calls[i] = new ToolCall(piece.Id ?? $"call_{i}", piece.Name ?? string.Empty, piece.ArgumentsDelta ?? string.Empty);
        }

        return calls;
    }
}
