using static AigneHub.Api.Rest.JsonRequestFields;

namespace AigneHub.Api.Rest.Anthropic;

/// <summary>What a client asked for on POST /v1/messages, as a chat call.</summary>
internal sealed record AnthropicMessagesRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatSettings Settings, bool Stream);

/// <summary>
/// Reads Anthropic's Messages request onto a chat call: <c>system</c> (a string or text blocks) becomes the system
/// message; <c>messages</c> with text, image, <c>tool_use</c> and <c>tool_result</c> blocks become the conversation
/// (a user turn's tool results become tool messages, ahead of its other content, as chat expects); <c>tools</c>
/// (<c>input_schema</c>), <c>tool_choice</c> (auto, any, tool, none), <c>max_tokens</c> (required, as Anthropic
/// requires it), <c>stop_sequences</c>, <c>temperature</c>, <c>top_p</c> and <c>metadata.user_id</c> become the
/// settings. What the hub cannot pass to every provider — <c>top_k</c>, extended <c>thinking</c>, server tools,
/// documents — is refused with a 400 naming the member.
/// </summary>
internal static class AnthropicMessagesRequestReader
{
    public static AnthropicMessagesRequest Read(JsonElement body)
    {
        body = Body(body);
        var model = RequiredString(body, "model", "model");
        var maxTokens = OptionalInteger(body, "max_tokens", "max_tokens") ?? throw Shape("max_tokens", "max_tokens: Field required");
        if (IsGiven(body, "top_k"))
        {
            throw Unsupported("top_k", "not every provider behind the hub samples by top_k; use top_p or temperature");
        }

        if (Optional(body, "thinking", JsonValueKind.Object, "thinking") is { } thinking && OptionalString(thinking, "type", "thinking.type") == "enabled")
        {
            throw Unsupported("thinking", "extended thinking is not passed on by this route yet; leave it out");
        }

        var messages = new List<ChatMessage>();
        if (ReadSystem(body) is { Length: > 0 } system)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        var turns = Optional(body, "messages", JsonValueKind.Array, "messages") ?? throw Shape("messages", "messages: Field required");
        var i = 0;
        foreach (var turn in turns.EnumerateArray())
        {
            ReadTurn(turn, $"messages.{i++}", messages);
        }

        var metadata = Optional(body, "metadata", JsonValueKind.Object, "metadata");
        var (toolChoice, parallel) = ReadToolChoice(body);
        var settings = new ChatSettings
        {
            MaxTokens = maxTokens,
            Temperature = OptionalNumber(body, "temperature", "temperature"),
            TopP = OptionalNumber(body, "top_p", "top_p"),
            Stop = OptionalStrings(body, "stop_sequences", "stop_sequences"),
            User = metadata is { } m ? OptionalString(m, "user_id", "metadata.user_id") : null,
            Tools = ReadTools(body),
            ToolChoice = toolChoice,
            ParallelToolCalls = parallel,
        };

        return new AnthropicMessagesRequest(model, messages, settings, OptionalBoolean(body, "stream", "stream") == true);
    }

    private static string? ReadSystem(JsonElement body)
    {
        if (!body.TryGetProperty("system", out var system) || system.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return system.ValueKind switch
        {
            JsonValueKind.String => system.GetString(),
            JsonValueKind.Array => string.Join('\n', system.EnumerateArray().Select((block, j) => RequiredString(block, "text", $"system.{j}.text"))),
            _ => throw Shape("system", "system must be a string or an array of text blocks"),
        };
    }

    private static void ReadTurn(JsonElement turn, string path, List<ChatMessage> messages)
    {
        if (turn.ValueKind != JsonValueKind.Object)
        {
            throw Shape(path, $"{path} must be an object");
        }

        var role = OptionalString(turn, "role", path + ".role") switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            null => throw Shape(path + ".role", $"{path}.role: Field required"),
            var other => throw Shape(path + ".role", $"{path}.role: Input should be 'user' or 'assistant' (got '{Truncate(other)}')"),
        };

        if (!turn.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            throw Shape(path + ".content", $"{path}.content: Field required");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            messages.Add(new ChatMessage(role, content.GetString()));
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Shape(path + ".content", $"{path}.content must be a string or an array of content blocks");
        }

        var parts = new List<ContentPart>();
        var calls = new List<ToolCall>();
        var j = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content.{j++}";
            if (block.ValueKind != JsonValueKind.Object)
            {
                throw Shape(blockPath, $"{blockPath} must be an object with a type");
            }

            switch (OptionalString(block, "type", blockPath + ".type"))
            {
                case "text":
                    parts.Add(new TextPart(RequiredString(block, "text", blockPath + ".text")));
                    break;
                case "image":
                    parts.Add(ReadImage(block, blockPath));
                    break;
                case "tool_use":
                    calls.Add(new ToolCall(
                        RequiredString(block, "id", blockPath + ".id"),
                        RequiredString(block, "name", blockPath + ".name"),
                        Optional(block, "input", JsonValueKind.Object, blockPath + ".input")?.GetRawText() ?? "{}"));
                    break;
                case "tool_result":
                    messages.Add(new ChatMessage(ChatRole.Tool, ReadToolResult(block, blockPath), toolCallId: RequiredString(block, "tool_use_id", blockPath + ".tool_use_id")));
                    break;
                case "thinking" or "redacted_thinking":
                    // An earlier answer's thinking handed back: the hub's answers carry none, and it is not replayed.
                    break;
                case var other:
                    throw Unsupported(blockPath + ".type", $"content blocks of type '{Truncate(other ?? string.Empty)}' are not passed on; use text, image, tool_use or tool_result");
            }
        }

        if (role == ChatRole.Assistant)
        {
            var text = parts.Count > 0 ? string.Concat(parts.OfType<TextPart>().Select(p => p.Text)) : null;
            messages.Add(new ChatMessage(ChatRole.Assistant, text, toolCalls: calls));
        }
        else if (parts.Count > 0)
        {
            messages.Add(new ChatMessage(role, null, parts));
        }
    }

    private static ImagePart ReadImage(JsonElement block, string path)
    {
        var source = Optional(block, "source", JsonValueKind.Object, path + ".source") ?? throw Shape(path + ".source", $"{path}.source: Field required");
        return OptionalString(source, "type", path + ".source.type") switch
        {
            "base64" => new ImagePart($"data:{RequiredString(source, "media_type", path + ".source.media_type")};base64,{RequiredString(source, "data", path + ".source.data")}", null),
            "url" => new ImagePart(RequiredString(source, "url", path + ".source.url"), null),
            _ => throw Unsupported(path + ".source.type", "images are taken as base64 or url sources"),
        };
    }

    /// <summary>A tool result's content: a string, or text blocks joined; an error result says so to the model.</summary>
    private static string ReadToolResult(JsonElement block, string path)
    {
        var text = !block.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null
            ? string.Empty
            : content.ValueKind switch
            {
                JsonValueKind.String => content.GetString()!,
                JsonValueKind.Array => string.Join('\n', content.EnumerateArray().Select((part, k) =>
                    OptionalString(part, "type", $"{path}.content.{k}.type") == "text"
                        ? RequiredString(part, "text", $"{path}.content.{k}.text")
                        : throw Unsupported($"{path}.content.{k}.type", "tool results are passed on as text"))),
                _ => throw Shape(path + ".content", $"{path}.content must be a string or an array of text blocks"),
            };
        return OptionalBoolean(block, "is_error", path + ".is_error") == true ? "Error: " + text : text;
    }

    private static ToolDefinition[]? ReadTools(JsonElement body)
    {
        if (Optional(body, "tools", JsonValueKind.Array, "tools") is not { } tools || tools.GetArrayLength() == 0)
        {
            return null;
        }

        return tools.EnumerateArray().Select((tool, i) =>
        {
            var path = $"tools.{i}";
            if (OptionalString(tool, "type", path + ".type") is { } type && type != "custom")
            {
                throw Unsupported(path + ".type", $"server tools ('{Truncate(type)}') run on Anthropic's platform; only client tools with an input_schema are offered to models through the hub");
            }

            return new ToolDefinition(
                RequiredString(tool, "name", path + ".name"),
                OptionalString(tool, "description", path + ".description"),
                (Optional(tool, "input_schema", JsonValueKind.Object, path + ".input_schema") ?? throw Shape(path + ".input_schema", $"{path}.input_schema: Field required")).GetRawText());
        }).ToArray();
    }

    private static (ToolChoice? Choice, bool? Parallel) ReadToolChoice(JsonElement body)
    {
        if (Optional(body, "tool_choice", JsonValueKind.Object, "tool_choice") is not { } choice)
        {
            return (null, null);
        }

        var parallel = OptionalBoolean(choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use") is { } disabled ? !disabled : (bool?)null;
        return (OptionalString(choice, "type", "tool_choice.type") switch
        {
            "auto" => ToolChoice.Auto,
            "any" => ToolChoice.Required,
            "none" => ToolChoice.None,
            "tool" => ToolChoice.Function(RequiredString(choice, "name", "tool_choice.name")),
            var other => throw Shape("tool_choice.type", $"tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none' (got '{Truncate(other ?? string.Empty)}')"),
        }, parallel);
    }
}
