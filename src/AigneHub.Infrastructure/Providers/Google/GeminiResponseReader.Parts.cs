using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Google;

// A candidate's parts (text, function calls) and usageMetadata.
internal static partial class GeminiResponseReader
{
    private static (string? Text, GeminiFunctionCall? Call) ReadPart(ref Utf8JsonReader reader)
    {
        string? text = null;
        var thought = false;
        string? signature = null;
        (string? Id, string Name, string Arguments)? call = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("text"u8))
            {
                text = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("thought"u8))
            {
                UpstreamJsonReader.Read(ref reader);
                thought = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("functionCall"u8))
            {
                call = ReadFunctionCall(ref reader);
            }
            else if (reader.ValueTextEquals("thoughtSignature"u8))
            {
                signature = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        var functionCall = call is { } c ? new GeminiFunctionCall(c.Id, c.Name, c.Arguments, signature) : null;
        return (thought ? null : text, functionCall);
    }

    /// <summary><c>{"id"?, "name", "args"?}</c>; the arguments are kept as the JSON text Gemini wrote.</summary>
    private static (string? Id, string Name, string Arguments)? ReadFunctionCall(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("functionCall is not an object.");
        }

        string? id = null;
        string? name = null;
        string? arguments = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("args"u8))
            {
                UpstreamJsonReader.Read(ref reader);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    using var args = JsonDocument.ParseValue(ref reader);
                    arguments = args.RootElement.GetRawText();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new JsonException("functionCall.args is not an object.");
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            throw new JsonException("A functionCall has no name.");
        }

        return (id, name, arguments ?? "{}");
    }

    /// <summary>
    /// Prompt tokens include the cached ones and those of tool-use prompts; completion tokens include the model's
    /// thinking, which Gemini counts apart from the candidates but bills as output.
    /// </summary>
    private static TokenUsage? ReadUsage(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("usageMetadata is not an object.");
        }

        var prompt = 0;
        var toolUsePrompt = 0;
        var candidates = 0;
        var thoughts = 0;
        var cached = 0;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("promptTokenCount"u8))
            {
                prompt = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("candidatesTokenCount"u8))
            {
                candidates = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("thoughtsTokenCount"u8))
            {
                thoughts = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("cachedContentTokenCount"u8))
            {
                cached = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("toolUsePromptTokenCount"u8))
            {
                toolUsePrompt = ReadInt32(ref reader) ?? 0;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new TokenUsage(Sum(prompt, toolUsePrompt), Sum(candidates, thoughts), cached);
    }

    private static int Sum(int a, int b) => (int)Math.Min((long)a + b, int.MaxValue);
}
