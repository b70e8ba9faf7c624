using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Chat;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// Writes the body of <c>POST /v1/messages</c> (Anthropic's Messages request) without reflection. The hub's
/// conversation is OpenAI-shaped, so the writer reshapes it: system and developer messages become the top-level
/// <c>system</c> prompt, tool answers become <c>tool_result</c> blocks of a user turn, and consecutive messages of one
/// role become one turn, because Anthropic requires user and assistant turns to alternate.
/// </summary>
internal static class AnthropicMessagesRequestWriter
{
    private const string SystemSeparator = "\n\n";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="NotSupportedException">
    /// A message holds content Anthropic cannot take (an image that is neither an http(s) nor a data: URL). The message
    /// is safe to show: it never quotes the content.
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request, int defaultMaxTokens, bool stream)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, request.Model);

        var settings = request.Settings;
        writer.WriteNumber("max_tokens"u8, settings.MaxTokens ?? defaultMaxTokens);

        if (SystemPrompt(request.Messages) is { } system)
        {
            writer.WriteString("system"u8, system);
        }

        WriteMessages(writer, request.Messages);

        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (settings.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stop_sequences"u8);
            foreach (var sequence in stop)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        if (settings.User is { } user)
        {
            writer.WriteStartObject("metadata"u8);
            writer.WriteString("user_id"u8, user);
            writer.WriteEndObject();
        }

        // n, seed and the penalties have no Anthropic counterpart: sending them would only get the call rejected.
        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        writer.WriteEndObject();
    }

    /// <summary>The text of every system and developer message, in order; null when there is none.</summary>
    private static string? SystemPrompt(IReadOnlyList<ChatMessage> messages)
    {
        string? single = null;
        StringBuilder? joined = null;
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

            if (single is null)
            {
                single = text;
                continue;
            }

            joined ??= new StringBuilder(single);
            joined.Append(SystemSeparator).Append(text);
        }

        return joined?.ToString() ?? single;
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        writer.WriteStartArray("messages"u8);
        ChatRole? openTurn = null;
        foreach (var message in messages)
        {
            var turn = TurnOf(message.Role);
            if (turn is null || !HasBlocks(message))
            {
                continue;
            }

            if (turn != openTurn)
            {
                if (openTurn is not null)
                {
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteStartObject();
                writer.WriteString("role"u8, turn == ChatRole.User ? "user"u8 : "assistant"u8);
                writer.WriteStartArray("content"u8);
                openTurn = turn;
            }

            if (message.Role == ChatRole.Tool && message.ToolCallId is not null)
            {
                WriteToolResult(writer, message);
            }
            else
            {
                WriteBlocks(writer, message);
            }
        }

        if (openTurn is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Which Anthropic turn a message belongs to; null for the roles that go to the system prompt.</summary>
    private static ChatRole? TurnOf(ChatRole role) => role switch
    {
        ChatRole.User or ChatRole.Tool => ChatRole.User,
        ChatRole.Assistant => ChatRole.Assistant,
        ChatRole.System or ChatRole.Developer => null,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown chat role."),
    };

    /// <summary>
    /// Whether the message yields at least one content block. Anthropic rejects empty text blocks, and an assistant
    /// message that only carried tool calls arrives here without content: such messages are left out.
    /// </summary>
    private static bool HasBlocks(ChatMessage message)
    {
        if (message.Role == ChatRole.Tool && message.ToolCallId is not null)
        {
            return true;
        }

        if (message.Text is { } text)
        {
            return text.Length > 0;
        }

        return message.Parts is { } parts && HasBlocks(parts);
    }

    private static bool HasBlocks(IReadOnlyList<ContentPart> parts) =>
        parts.Any(static part => part is ImagePart || part is TextPart { Text.Length: > 0 });

    private static void WriteToolResult(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result"u8);
        writer.WriteString("tool_use_id"u8, message.ToolCallId);
        if (message.Text is { Length: > 0 } text)
        {
            writer.WriteString("content"u8, text);
        }
        else if (message.Parts is { } parts && HasBlocks(parts))
        {
            writer.WriteStartArray("content"u8);
            WriteBlocks(writer, message);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteBlocks(Utf8JsonWriter writer, ChatMessage message)
    {
        if (message.Text is { Length: > 0 } text)
        {
            WriteTextBlock(writer, text);
            return;
        }

        foreach (var part in message.Parts ?? [])
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } textPart:
                    WriteTextBlock(writer, textPart.Text);
                    break;
                case TextPart:
                    break;
                case ImagePart image:
                    WriteImageBlock(writer, image);
                    break;
                default:
                    throw new NotSupportedException($"Content part {part.GetType().Name} has no Anthropic representation.");
            }
        }
    }

    private static void WriteTextBlock(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>An image by URL or inline (base64); Anthropic has no counterpart to OpenAI's <c>detail</c>.</summary>
    private static void WriteImageBlock(Utf8JsonWriter writer, ImagePart image)
    {
        var url = image.Url;
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image"u8);
        writer.WriteStartObject("source"u8);
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            WriteDataUrlSource(writer, url);
        }
        else if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("type"u8, "url"u8);
            writer.WriteString("url"u8, url);
        }
        else
        {
            throw new NotSupportedException("Images must be given as http(s) or data: URLs.");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>data:[media type][;parameters][;base64],data</c> (RFC 2397): base64 data is passed on as it is, without a
    /// copy; percent-encoded data is decoded and base64-encoded, the only form Anthropic takes.
    /// </summary>
    private static void WriteDataUrlSource(Utf8JsonWriter writer, string url)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw new NotSupportedException("An image data: URL has no data.");
        }

        var header = url.AsSpan("data:".Length, comma - "data:".Length);
        var payload = url.AsSpan(comma + 1);
        var semicolon = header.IndexOf(';');
        var mediaType = (semicolon < 0 ? header : header[..semicolon]).Trim();

        writer.WriteString("type"u8, "base64"u8);
        writer.WriteString("media_type"u8, mediaType.ToString().ToLowerInvariant());
        if (header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("data"u8, payload);
        }
        else
        {
            writer.WriteBase64String("data"u8, PercentDecode(payload));
        }
    }

    private static ReadOnlySpan<byte> PercentDecode(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        var written = 0;
        for (var read = 0; read < bytes.Length; read++)
        {
            if (bytes[read] == (byte)'%'
                && read + 2 < bytes.Length
                && HexValue(bytes[read + 1]) is var high and >= 0
                && HexValue(bytes[read + 2]) is var low and >= 0)
            {
                bytes[written++] = (byte)((high << 4) | low);
                read += 2;
            }
            else
            {
                bytes[written++] = bytes[read];
            }
        }

        return bytes.AsSpan(0, written);
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
