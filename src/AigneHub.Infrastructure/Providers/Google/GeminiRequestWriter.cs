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
/// of one role share a turn, because Gemini expects the two roles to alternate.
/// </summary>
internal static class GeminiRequestWriter
{
    /// <summary>Gemini's name for a turn written by the model; everything the caller and tools say is "user".</summary>
    private const string ModelRole = "model";
    private const string UserRole = "user";

    /// <summary>The function name of a tool result whose message does not say which tool answered.</summary>
    private const string DefaultToolName = "tool";

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
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        WriteSystemInstruction(writer, request.Messages);
        WriteContents(writer, request.Messages, provider);
        WriteGenerationConfig(writer, request.Settings);
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

            WriteParts(writer, message, provider);
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
    /// such messages (an assistant turn that only carried tool calls, an empty string) are left out.
    /// </summary>
    private static bool HasParts(ChatMessage message)
    {
        if (message.Role == ChatRole.Tool)
        {
            return true;
        }

        if (message.Text is { } text)
        {
            return text.Length > 0;
        }

        return message.Parts is { } parts && parts.Any(p => p is ImagePart || (p is TextPart t && t.Text.Length > 0));
    }

    private static void WriteParts(Utf8JsonWriter writer, ChatMessage message, string provider)
    {
        if (message.Role == ChatRole.Tool)
        {
            // The hub does not model tool calls yet, so a tool result is the one tool-related thing it can relay:
            // Gemini's functionResponse, named after the tool, with the result text as the response's content.
            writer.WriteStartObject();
            writer.WriteStartObject("functionResponse"u8);
            writer.WriteString("name"u8, string.IsNullOrEmpty(message.Name) ? DefaultToolName : message.Name);
            writer.WriteStartObject("response"u8);
            writer.WriteString("content"u8, message.PlainText());
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            return;
        }

        if (message.Text is { } text)
        {
            WriteTextPart(writer, text);
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

    private static void WriteGenerationConfig(Utf8JsonWriter writer, ChatSettings settings)
    {
        var hasStop = settings.Stop is { Count: > 0 };
        if (settings.Temperature is null && settings.TopP is null && settings.MaxTokens is null && !hasStop && settings.N is null)
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

        if (settings.N is not null)
        {
            // The hub relays one choice; asking for more would have Gemini generate (and bill) answers nobody sees.
            writer.WriteNumber("candidateCount"u8, 1);
        }

        writer.WriteEndObject();
    }

    private static UpstreamException Unsupported(string provider, string message) =>
        new(ErrorKind.UpstreamRejected, provider, message);
}
