using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using V1 = AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>The request's messages (roles, text or content parts, images, the assistant's earlier tool calls) as the commands' messages.</summary>
internal static partial class ChatCompletionMapping
{
    private static ChatMessage[] ToMessages(RepeatedField<V1.ChatMessage> messages)
    {
        var result = new ChatMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var role = ToRole(message.Role, i);
            var (text, parts) = ToContent(message.Content, i);
            result[i] = new ChatMessage(
                role,
                text,
                parts,
                string.IsNullOrEmpty(message.Name) ? null : message.Name,
                string.IsNullOrEmpty(message.ToolCallId) ? null : message.ToolCallId,
                ToToolCalls(message.ToolCalls, i));
        }

        return result;
    }

    private static ChatRole ToRole(string role, int index) => role switch
    {
        "system" => ChatRole.System,
        "developer" => ChatRole.Developer,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "tool" => ChatRole.Tool,
        "" => throw Shape($"messages[{index}].role", $"messages[{index}].role is required"),
        _ => throw Shape($"messages[{index}].role", $"'{Truncate(role)}' is not one of ['system', 'developer', 'user', 'assistant', 'tool'] - 'messages.{index}.role'"),
    };

    private static (string? Text, IReadOnlyList<ContentPart>? Parts) ToContent(Value? content, int index)
    {
        switch (content?.KindCase)
        {
            case null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue:
                return (null, null);
            case Value.KindOneofCase.StringValue:
                return (content.StringValue, null);
            case Value.KindOneofCase.ListValue:
                var values = content.ListValue.Values;
                var parts = new ContentPart[values.Count];
                for (var j = 0; j < values.Count; j++)
                {
                    parts[j] = ToPart(values[j], $"messages[{index}].content[{j}]");
                }

                return (null, parts);
            default:
                throw Shape($"messages[{index}].content", $"messages[{index}].content must be a string or an array of content parts");
        }
    }

    private static ContentPart ToPart(Value value, string field)
    {
        if (value.KindCase != Value.KindOneofCase.StructValue)
        {
            throw Shape(field, $"{field} must be an object with a type");
        }

        var fields = value.StructValue.Fields;
        var type = fields.TryGetValue("type", out var t) ? t.StringValue : string.Empty;
        switch (type)
        {
            case "text" when fields.TryGetValue("text", out var text) && text.KindCase == Value.KindOneofCase.StringValue:
                return new TextPart(text.StringValue);
            case "image_url" when fields.TryGetValue("image_url", out var image):
                return ToImagePart(image, field);
            case "text" or "image_url":
                throw Shape(field, $"{field} is missing its '{type}' value");
            default:
                throw Shape($"{field}.type", $"'{Truncate(type)}' is not a supported content part type: use 'text' or 'image_url'");
        }
    }

    private static ImagePart ToImagePart(Value image, string field)
    {
        if (image.KindCase == Value.KindOneofCase.StringValue)
        {
            return new ImagePart(image.StringValue, null);
        }

        if (image.KindCase == Value.KindOneofCase.StructValue
            && image.StructValue.Fields.TryGetValue("url", out var url)
            && url.KindCase == Value.KindOneofCase.StringValue)
        {
            var detail = image.StructValue.Fields.TryGetValue("detail", out var d) && d.KindCase == Value.KindOneofCase.StringValue
                ? d.StringValue
                : null;
            return new ImagePart(url.StringValue, detail);
        }

        throw Shape($"{field}.image_url", $"{field}.image_url must have a url");
    }

    private static ToolCall[]? ToToolCalls(RepeatedField<V1.ToolCall> calls, int index)
    {
        if (calls.Count == 0)
        {
            return null;
        }

        var result = new ToolCall[calls.Count];
        for (var j = 0; j < calls.Count; j++)
        {
            var call = calls[j];
            if (call.Function is null)
            {
                throw Shape($"messages[{index}].tool_calls[{j}].function", $"messages[{index}].tool_calls[{j}].function is required");
            }

            result[j] = new ToolCall(call.Id, call.Function.Name, call.Function.Arguments);
        }

        return result;
    }
}
