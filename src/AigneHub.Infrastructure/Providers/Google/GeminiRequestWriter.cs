using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Writes the body of <c>models/{model}:generateContent</c> and <c>:streamGenerateContent</c> (a
/// <c>GenerateContentRequest</c>) without reflection. System and developer messages become
/// <c>systemInstruction</c>; the rest become <c>contents</c> turns of role "user" or "model", and consecutive messages
/// of one role share a turn, because Gemini expects the two roles to alternate. Tools become
/// <c>tools[].functionDeclarations</c> and <c>toolConfig.functionCallingConfig</c>; assistant tool calls become
/// <c>functionCall</c> parts of a "model" turn and tool results <c>functionResponse</c> parts of a "user" turn;
/// response formats become Gemini's JSON mode (<c>responseMimeType</c>, <c>responseJsonSchema</c>).
/// </summary>
internal static class GeminiRequestWriter
{
    /// <summary>Gemini's name for a turn written by the model; everything the caller and tools say is "user".</summary>
    private const string ModelRole = "model";
    private const string UserRole = "user";

    /// <summary>
    /// The key under which a tool result that is not a JSON object goes into <c>functionResponse.response</c> (which
    /// must be an object): Gemini's FunctionResponse reference names "output" as the key for a function's output.
    /// </summary>
    private const string ToolOutputKey = "output";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="UpstreamException">
    /// A message holds content Gemini cannot take (<see cref="ErrorKind.UpstreamRejected"/>, nothing was sent).
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request, string provider)
    {
        ChatFieldRefusal.RefuseUnsupported(request.Settings, "Gemini's generateContent API", MappedChatFields.ReasoningEffort | MappedChatFields.Penalties);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        WriteSystemInstruction(writer, request.Messages);
        WriteContents(writer, request.Messages, provider);
        WriteTools(writer, request.Settings, provider);
        WriteGenerationConfig(writer, request.Settings, provider);
        writer.WriteEndObject();
    }

    private static void WriteSystemInstruction(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        var started = false;
        foreach (var message in messages)
        {
            if (message.Role is not (ChatRole.System or ChatRole.Developer))
            {
                continue;
            }

            var text = message.PlainText();
            if (text.Length == 0)
            {
                continue;
            }

            if (!started)
            {
                // Gemini has one system instruction per request: instructions from anywhere in the conversation
                // are gathered there, in order, one part each.
                writer.WriteStartObject("systemInstruction"u8);
                writer.WriteStartArray("parts"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void WriteContents(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, string provider)
    {
        writer.WriteStartArray("contents"u8);
        string? openRole = null;
        foreach (var message in messages)
        {
            if (message.Role is ChatRole.System or ChatRole.Developer || !HasParts(message))
            {
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? ModelRole : UserRole;
            if (!string.Equals(role, openRole, StringComparison.Ordinal))
            {
                if (openRole is not null)
                {
                    EndTurn(writer);
                }

                writer.WriteStartObject();
                writer.WriteString("role"u8, role);
                writer.WriteStartArray("parts"u8);
                openRole = role;
            }

            WriteParts(writer, messages, message, provider);
        }

        if (openRole is not null)
        {
            EndTurn(writer);
        }

        writer.WriteEndArray();
    }

    private static void EndTurn(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Whether the message yields at least one part. Gemini refuses a turn without parts and an empty text part, so
    /// such messages (an empty string, no content and no tool calls) are left out.
    /// </summary>
    private static bool HasParts(ChatMessage message)
    {
        if (message.Role == ChatRole.Tool || message.ToolCalls is not null)
        {
            return true;
        }

        if (message.Text is { } text)
        {
            return text.Length > 0;
        }

        return message.Parts is { } parts && parts.Any(p => p is ImagePart || (p is TextPart t && t.Text.Length > 0));
    }

    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, ChatMessage message, string provider)
    {
        if (message.Role == ChatRole.Tool)
        {
            WriteFunctionResponse(writer, messages, message, provider);
            return;
        }

        WriteContentParts(writer, message, provider);
        foreach (var call in message.ToolCalls ?? [])
        {
            WriteFunctionCall(writer, call, provider);
        }
    }

    private static void WriteContentParts(Utf8JsonWriter writer, ChatMessage message, string provider)
    {
        if (message.Text is { } text)
        {
            // An assistant message that carries tool calls may come with empty text; Gemini refuses an empty part.
            if (text.Length > 0)
            {
                WriteTextPart(writer, text);
            }

            return;
        }

        foreach (var part in message.Parts ?? [])
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } textPart:
                    WriteTextPart(writer, textPart.Text);
                    break;
                case TextPart:
                    break;
                case ImagePart image:
                    WriteImagePart(writer, image.Url, provider);
                    break;
                default:
                    throw Unsupported(provider, $"The {provider} provider cannot take a {part.GetType().Name} content part.");
            }
        }
    }

    /// <summary>
    /// A tool call the model asked for earlier: <c>{"functionCall":{"name","args"}}</c>, the arguments parsed into the
    /// object Gemini wants. The call's id is not sent: Gemini pairs results with calls by name and order, and the id
    /// the hub handed out is its own (<see cref="GeminiToolCallId"/>). A thought signature the id carries goes back
    /// beside the call, as Gemini 3 models require for the calls of the current turn.
    /// </summary>
    private static void WriteFunctionCall(Utf8JsonWriter writer, ToolCall call, string provider)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("functionCall"u8);
        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("args"u8);
        WriteArguments(writer, call, provider);
        writer.WriteEndObject();
        if (GeminiToolCallId.ThoughtSignature(call.Id) is { } signature)
        {
            writer.WriteString("thoughtSignature"u8, signature);
        }

        writer.WriteEndObject();
    }

    /// <summary>Arguments JSON text as an object; blank text is no arguments ({}), anything but an object is refused.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, ToolCall call, string provider)
    {
        if (string.IsNullOrWhiteSpace(call.Arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        JsonDocument arguments;
        try
        {
            arguments = JsonDocument.Parse(call.Arguments);
        }
        catch (JsonException)
        {
            throw Unsupported(provider, $"The arguments of tool call '{Short(call.Id)}' ({call.Name}) are not valid JSON; {provider} takes them as a JSON object.");
        }

        using (arguments)
        {
            if (arguments.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Unsupported(provider, $"The arguments of tool call '{Short(call.Id)}' ({call.Name}) are not a JSON object; {provider} takes them as one.");
            }

            arguments.RootElement.WriteTo(writer);
        }
    }

    /// <summary>
    /// A tool result: <c>{"functionResponse":{"name","response"}}</c>. Gemini needs the function's name, which a tool
    /// message does not carry: it is taken from the assistant tool call the message answers (by id). A result that is a
    /// JSON object is the response itself; any other result (plain text, an array, a number) is wrapped as
    /// <c>{"output": result}</c>, because the response must be an object.
    /// </summary>
    private static void WriteFunctionResponse(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, ChatMessage message, string provider)
    {
        var name = FunctionNameOf(messages, message)
            ?? throw Unsupported(provider, $"The tool message for '{Short(message.ToolCallId)}' answers no tool call of an earlier assistant message; {provider} needs the function's name.");
        var result = message.PlainText();
        writer.WriteStartObject();
        writer.WriteStartObject("functionResponse"u8);
        writer.WriteString("name"u8, name);
        writer.WritePropertyName("response"u8);
        if (TryParseObject(result) is { } response)
        {
            using (response)
            {
                response.RootElement.WriteTo(writer);
            }
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString(ToolOutputKey, result);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The name of the call a tool message answers: the latest assistant tool call with its id before it.</summary>
    private static string? FunctionNameOf(IReadOnlyList<ChatMessage> messages, ChatMessage toolMessage)
    {
        if (toolMessage.ToolCallId is { Length: > 0 } id)
        {
            var position = IndexOf(messages, toolMessage);
            for (var i = position - 1; i >= 0; i--)
            {
                foreach (var call in messages[i].ToolCalls ?? [])
                {
                    if (string.Equals(call.Id, id, StringComparison.Ordinal))
                    {
                        return call.Name;
                    }
                }
            }
        }

        // Only the legacy "function" role named the function on the result itself.
        return string.IsNullOrEmpty(toolMessage.Name) ? null : toolMessage.Name;
    }

    private static int IndexOf(IReadOnlyList<ChatMessage> messages, ChatMessage message)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (ReferenceEquals(messages[i], message))
            {
                return i;
            }
        }

        return messages.Count;
    }

    private static JsonDocument? TryParseObject(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteTextPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A data: URL goes inline (<c>inline_data</c>, base64). An http(s) URL goes by reference (<c>file_data</c>):
    /// Gemini fetches public and pre-signed HTTPS URLs itself (models that cannot are answered with Gemini's own 400).
    /// </summary>
    private static void WriteImagePart(Utf8JsonWriter writer, string url, string provider)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            WriteInlineData(writer, url, provider);
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw Unsupported(provider, $"The {provider} provider takes images as data: URLs or http(s) URLs only.");
        }

        writer.WriteStartObject();
        writer.WriteStartObject("file_data"u8);

        // mime_type is optional for a URI; Gemini reads the type of what it fetches when it is not given.
        if (GuessImageType(uri) is { } mimeType)
        {
            writer.WriteString("mime_type"u8, mimeType);
        }

        writer.WriteString("file_uri"u8, uri.AbsoluteUri);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes an RFC 2397 data: URL as <c>inline_data</c>: its media type, and its bytes in base64.</summary>
    private static void WriteInlineData(Utf8JsonWriter writer, string url, string provider)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw Unsupported(provider, "An image data: URL has no ',' before its data.");
        }

        var header = url.AsSpan(5, comma - 5);
        var payload = url.AsSpan(comma + 1);
        var mediaType = header;
        var isBase64 = false;
        var semicolon = header.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = header[..semicolon];
            var parameters = header[(semicolon + 1)..];
            foreach (var range in parameters.Split(';'))
            {
                isBase64 |= parameters[range].Trim().Equals("base64", StringComparison.OrdinalIgnoreCase);
            }
        }

        mediaType = mediaType.Trim();
        if (mediaType.IsEmpty || mediaType.IndexOf('/') <= 0)
        {
            throw Unsupported(provider, "An image data: URL does not name its media type (e.g. data:image/png;base64,…).");
        }

        writer.WriteStartObject();
        writer.WriteStartObject("inline_data"u8);
        writer.WriteString("mime_type"u8, mediaType);
        if (isBase64)
        {
            writer.WriteString("data"u8, payload);
        }
        else
        {
            writer.WriteBase64String("data"u8, PercentDecode(payload));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The bytes of a data: URL written without ";base64": UTF-8 text with %XX escapes.</summary>
    private static byte[] PercentDecode(ReadOnlySpan<char> text)
    {
        var utf8 = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, utf8);
        var length = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'%' && i + 2 < utf8.Length && HexValue(utf8[i + 1]) is var high and >= 0 && HexValue(utf8[i + 2]) is var low and >= 0)
            {
                utf8[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else
            {
                utf8[length++] = utf8[i];
            }
        }

        return utf8[..length];
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>The image types Gemini documents, told by the URL path's extension; null when it says nothing.</summary>
    private static string? GuessImageType(Uri uri) =>
        Path.GetExtension(uri.AbsolutePath).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            _ => null,
        };

    /// <summary>
    /// <c>tools: [{functionDeclarations: [...]}]</c> and the calling mode. Parameter schemas go in
    /// <c>parametersJsonSchema</c> (JSON Schema as OpenAI clients write it, <c>additionalProperties</c>, <c>anyOf</c>,
    /// <c>$ref</c> included) rather than <c>parameters</c>, whose OpenAPI subset rejects such keywords; only the
    /// top-level <c>$schema</c> is dropped, as it names a dialect and constrains nothing. OpenAI's <c>strict</c> has no
    /// per-function equivalent and is not sent; neither is <c>parallel_tool_calls</c>: Gemini has no switch for it.
    /// </summary>
    private static void WriteTools(Utf8JsonWriter writer, ChatSettings settings, string provider)
    {
        if (settings.Tools is not { Count: > 0 } tools)
        {
            return;
        }

        writer.WriteStartArray("tools"u8);
        writer.WriteStartObject();
        writer.WriteStartArray("functionDeclarations"u8);
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, tool.Name);
            if (!string.IsNullOrEmpty(tool.Description))
            {
                writer.WriteString("description"u8, tool.Description);
            }

            if (tool.ParametersJson is { } parameters)
            {
                writer.WritePropertyName("parametersJsonSchema"u8);
                WriteSchema(writer, parameters, provider, $"The parameters of tool '{tool.Name}'");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();

        if (settings.ToolChoice is { } choice)
        {
            WriteToolConfig(writer, choice);
        }
    }

    /// <summary>
    /// OpenAI's tool_choice as Gemini's <c>functionCallingConfig.mode</c>: auto → AUTO, none → NONE (the tools stay
    /// declared, the model answers in text), required → ANY, a named function → ANY limited to that function by
    /// <c>allowedFunctionNames</c>. Every mode has an equivalent.
    /// </summary>
    private static void WriteToolConfig(Utf8JsonWriter writer, ToolChoice choice)
    {
        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartObject("functionCallingConfig"u8);
        writer.WriteString("mode"u8, choice.Mode switch
        {
            ToolChoiceMode.None => "NONE",
            ToolChoiceMode.Required or ToolChoiceMode.Function => "ANY",
            _ => "AUTO",
        });
        if (choice is { Mode: ToolChoiceMode.Function, FunctionName: { } name })
        {
            writer.WriteStartArray("allowedFunctionNames"u8);
            writer.WriteStringValue(name);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>A JSON Schema given as text, written as a value without its top-level <c>$schema</c> keyword.</summary>
    private static void WriteSchema(Utf8JsonWriter writer, string schemaJson, string provider, string what)
    {
        JsonDocument schema;
        try
        {
            schema = JsonDocument.Parse(schemaJson);
        }
        catch (JsonException)
        {
            throw Unsupported(provider, $"{what} is not valid JSON Schema text.");
        }

        using (schema)
        {
            var root = schema.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Unsupported(provider, $"{what} must be a JSON Schema object.");
            }

            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!property.NameEquals("$schema"u8))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }
    }

    private static void WriteGenerationConfig(Utf8JsonWriter writer, ChatSettings settings, string provider)
    {
        var hasStop = settings.Stop is { Count: > 0 };
        var format = settings.ResponseFormat is { Kind: not ResponseFormatKind.Text } f ? f : null;
        if (settings.Temperature is null && settings.TopP is null && settings.MaxTokens is null && !hasStop && format is null
            && settings.Seed is null && settings.PresencePenalty is null && settings.FrequencyPenalty is null && settings.ReasoningEffort is null)
        {
            return;
        }

        writer.WriteStartObject("generationConfig"u8);
        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("topP"u8, topP);
        }

        if (settings.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber("maxOutputTokens"u8, maxTokens);
        }

        if (hasStop)
        {
            writer.WriteStartArray("stopSequences"u8);
            foreach (var sequence in settings.Stop!)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        // No candidateCount: providers always get one choice; several (n) are separate calls (ChoiceFanOut).
        if (settings.Seed is { } seed)
        {
            writer.WriteNumber("seed"u8, seed);
        }

        if (settings.PresencePenalty is { } presencePenalty)
        {
            writer.WriteNumber("presencePenalty"u8, presencePenalty);
        }

        if (settings.FrequencyPenalty is { } frequencyPenalty)
        {
            writer.WriteNumber("frequencyPenalty"u8, frequencyPenalty);
        }

        if (settings.ReasoningEffort is { } effort)
        {
            writer.WriteStartObject("thinkingConfig"u8);
            writer.WriteNumber("thinkingBudget"u8, ThinkingBudget(effort));
            writer.WriteEndObject();
        }

        if (format is not null)
        {
            // Gemini's JSON mode: json_object is the MIME type alone, json_schema adds the schema as JSON Schema
            // (responseJsonSchema, not the OpenAPI-subset responseSchema, for the same reason as tool parameters).
            // The schema's name, description and strict flag have no place in Gemini's request and are not sent.
            writer.WriteString("responseMimeType"u8, "application/json");
            if (format is { Kind: ResponseFormatKind.JsonSchema, SchemaJson: { } schemaJson })
            {
                writer.WritePropertyName("responseJsonSchema"u8);
                WriteSchema(writer, schemaJson, provider, "response_format.json_schema.schema");
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// OpenAI's reasoning_effort as Gemini's thinking budget in tokens: none 0 (no thinking; models that always think
    /// refuse it upstream), minimal 512, low 1024, medium 8192, high 24576 (the largest 2.5 Flash takes), xhigh 32768.
    /// </summary>
    private static int ThinkingBudget(string effort) => effort switch
    {
        "none" => 0,
        "minimal" => 512,
        "low" => 1024,
        "medium" => 8192,
        "high" => 24576,
        _ => 32768,
    };

    /// <summary>An id as an error message quotes it: ids that carry a thought signature can be kilobytes long.</summary>
    private static string Short(string? id) => id is null ? string.Empty : id.Length <= 64 ? id : id[..64] + "…";

    private static UpstreamException Unsupported(string provider, string message) =>
        new(ErrorKind.UpstreamRejected, provider, message);
}
