using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Anthropic;

// Content blocks: text, tool_use and their input.
internal static partial class AnthropicMessagesResponseParser
{
    /// <summary>
    /// The blocks of a <c>content</c> array: the text blocks joined (null when there are none), and the
    /// <c>tool_use</c> blocks as tool calls in order, their input as JSON text. A call to the answer tool is the answer
    /// instead: its input is the content, and text beside it (which Anthropic does not write when a tool is forced) is
    /// dropped, so the content stays one JSON object. Thinking and other blocks are skipped.
    /// </summary>
    private static MessageContent ReadContent(ref Utf8JsonReader reader, string? answerTool)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("content is not an array.");
        }

        StringBuilder? text = null;
        List<ToolCall>? calls = null;
        string? answer = null;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return new MessageContent(answer ?? text?.ToString(), calls, Answered: answer is not null);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A content block is not an object.");
            }

            var block = ReadBlock(ref reader);
            if (block.Type == ContentBlockType.Text && block.Text is { } blockText)
            {
                (text ??= new StringBuilder()).Append(blockText);
            }
            else if (block.Type == ContentBlockType.ToolUse)
            {
                var input = block.Input ?? EmptyObject;
                if (answerTool is not null && block.Name == answerTool)
                {
                    answer ??= input;
                }
                else
                {
                    (calls ??= []).Add(new ToolCall(
                        block.Id ?? throw new JsonException("A tool_use block has no id."),
                        block.Name ?? throw new JsonException("A tool_use block has no name."),
                        input));
                }
            }
        }
    }

    /// <summary>
    /// One content block (a <c>content</c> entry, or a <c>content_block</c> of a stream event), the reader on its start:
    /// its type, and the fields of a text or tool_use block; other blocks are skipped.
    /// </summary>
    internal static ContentBlock ReadBlock(ref Utf8JsonReader reader)
    {
        var type = ContentBlockType.Other;
        string? text = null;
        string? id = null;
        string? name = null;
        string? input = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                Read(ref reader);
                type = reader.TokenType != JsonTokenType.String ? ContentBlockType.Other
                    : reader.ValueTextEquals("text"u8) ? ContentBlockType.Text
                    : reader.ValueTextEquals("tool_use"u8) ? ContentBlockType.ToolUse
                    : ContentBlockType.Other;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                name = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                input = ReadInput(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return type switch
        {
            ContentBlockType.Text => new ContentBlock(type, text, null, null, null),
            ContentBlockType.ToolUse => new ContentBlock(type, null, id, name, input),
            _ => new ContentBlock(type, null, null, null, null),
        };
    }

    /// <summary>
    /// A block's <c>input</c> as JSON text, as Anthropic wrote it; null when it is not an object (a tool_use input
    /// always is; blocks of other types are read leniently, their fields unused).
    /// </summary>
    private static string? ReadInput(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        using var input = JsonDocument.ParseValue(ref reader);
        return input.RootElement.GetRawText();
    }

    /// <summary>
    /// The <c>text</c> of an object whose <c>type</c> is <paramref name="type"/> (a <c>text</c> block, a
    /// <c>text_delta</c>), the reader on the object's start; null for objects of other types.
    /// </summary>
    internal static string? ReadTextOfType(ref Utf8JsonReader reader, ReadOnlySpan<byte> type)
    {
        var isText = false;
        string? text = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                Read(ref reader);
                isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(type);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return isText ? text : null;
    }
}
