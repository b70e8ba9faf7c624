using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Chat;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// Writes the body of Bedrock's Converse and ConverseStream requests (the same shape for both; the path says which).
/// System and developer messages become <c>system</c> blocks, tool answers become <c>toolResult</c> blocks of a user
/// turn, and consecutive messages of one role become one turn, because Converse requires the roles to alternate.
/// </summary>
internal static class BedrockConverseRequestWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="NotSupportedException">
    /// A message holds content Converse cannot take (an image that is not a base64 data: URL of a format Bedrock
    /// reads). The message never quotes the content.
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        WriteMessages(writer, request.Messages);
        WriteSystem(writer, request.Messages);
        WriteInferenceConfig(writer, request.Settings);
        writer.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        var started = false;
        foreach (var message in messages)
        {
            if (message.Role is not (ChatRole.System or ChatRole.Developer) || message.PlainText() is not { Length: > 0 } text)
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartArray("system"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }

    private static void WriteInferenceConfig(Utf8JsonWriter writer, Application.Chat.Common.ChatSettings settings)
    {
        if (settings.MaxTokens is null && settings.Temperature is null && settings.TopP is null && settings.Stop is not { Count: > 0 })
        {
            return;
        }

        writer.WriteStartObject("inferenceConfig"u8);
        if (settings.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber("maxTokens"u8, maxTokens);
        }

        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("topP"u8, topP);
        }

        if (settings.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stopSequences"u8);
            foreach (var sequence in stop)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        // n, seed, user and the penalties have no Converse counterpart: sending them would get the call rejected.
        writer.WriteEndObject();
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        writer.WriteStartArray("messages"u8);
        ChatRole? openTurn = null;
        foreach (var message in messages)
        {
            var turn = message.Role switch
            {
                ChatRole.User or ChatRole.Tool => ChatRole.User,
                ChatRole.Assistant => ChatRole.Assistant,
                _ => (ChatRole?)null,
            };
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
                writer.WriteStartObject();
                writer.WriteStartObject("toolResult"u8);
                writer.WriteString("toolUseId"u8, message.ToolCallId);
                writer.WriteStartArray("content"u8);
                writer.WriteStartObject();
                writer.WriteString("text"u8, message.PlainText());
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            else if (message.Text is { } text)
            {
                WriteText(writer, text);
            }
            else
            {
                foreach (var part in message.Parts ?? [])
                {
                    switch (part)
                    {
                        case TextPart { Text.Length: > 0 } textPart:
                            WriteText(writer, textPart.Text);
                            break;
                        case ImagePart image:
                            WriteImage(writer, image);
                            break;
                    }
                }
            }
        }

        if (openTurn is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Converse rejects empty text blocks, and an assistant message that only carried tool calls has none.</summary>
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

        return message.Parts is { } parts && parts.Any(static part => part is ImagePart || part is TextPart { Text.Length: > 0 });
    }

    private static void WriteText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>An image block: Converse takes the bytes inline (base64 in JSON) and a format, never a URL.</summary>
    private static void WriteImage(Utf8JsonWriter writer, ImagePart image)
    {
        const string Prefix = "data:image/";
        const string Base64Marker = ";base64,";
        var url = image.Url;
        var marker = url.IndexOf(Base64Marker, StringComparison.OrdinalIgnoreCase);
        if (!url.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || marker < 0)
        {
            throw new NotSupportedException("Bedrock takes images only as base64 data: URLs, not by address.");
        }

        var format = url[Prefix.Length..marker].ToLowerInvariant() switch
        {
            "png" => "png",
            "jpeg" or "jpg" => "jpeg",
            "gif" => "gif",
            "webp" => "webp",
            _ => throw new NotSupportedException("Bedrock takes only png, jpeg, gif and webp images."),
        };

        writer.WriteStartObject();
        writer.WriteStartObject("image"u8);
        writer.WriteString("format"u8, format);
        writer.WriteStartObject("source"u8);
        writer.WriteString("bytes"u8, url.AsSpan(marker + Base64Marker.Length));
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
