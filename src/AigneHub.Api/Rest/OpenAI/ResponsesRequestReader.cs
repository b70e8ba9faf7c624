using static AigneHub.Api.Rest.JsonRequestFields;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// What a client asked for on POST /v1/responses, in the hub's terms, with the request members the response object
/// echoes back (as OpenAI's does) kept as the client sent them.
/// </summary>
internal sealed record ResponsesRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatSettings Settings, bool Stream)
{
    public string? Instructions { get; init; }

    /// <summary>The request's tools, text, tool_choice and metadata members as sent (undefined when absent).</summary>
    public JsonElement Tools { get; init; }

    public JsonElement Text { get; init; }

    public JsonElement ToolChoice { get; init; }

    public JsonElement Metadata { get; init; }
}

/// <summary>
/// Reads OpenAI's Responses API request onto a chat call: <c>instructions</c> becomes the system message, <c>input</c>
/// (a string, or items: messages with <c>input_text</c>/<c>input_image</c>/<c>output_text</c> parts,
/// <c>function_call</c> and <c>function_call_output</c>) becomes the conversation, function tools the tools,
/// <c>text.format</c> the response format and <c>max_output_tokens</c> the output bound. What needs state the hub does
/// not keep (<c>previous_response_id</c>, <c>conversation</c>, item references, background runs), hosted tools and
/// settings this route does not pass on (reasoning, verbosity, logprobs) are refused with a 400 naming the member,
/// never ignored.
/// </summary>
internal static class ResponsesRequestReader
{
    public static ResponsesRequest Read(JsonElement body)
    {
        body = Body(body);
        var model = OptionalString(body, "model", "model") ?? throw Shape("model", "you must provide a model parameter");
        RefuseUnsupportedMembers(body);

        var instructions = OptionalString(body, "instructions", "instructions");
        var messages = new List<ChatMessage>();
        if (instructions is { Length: > 0 })
        {
            messages.Add(new ChatMessage(ChatRole.System, instructions));
        }

        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw Shape("input", "input is required: a string or an array of input items");
        }

        ReadInput(input, messages);

        var text = Optional(body, "text", JsonValueKind.Object, "text");
        var settings = new ChatSettings
        {
            Temperature = OptionalNumber(body, "temperature", "temperature"),
            TopP = OptionalNumber(body, "top_p", "top_p"),
            MaxTokens = OptionalInteger(body, "max_output_tokens", "max_output_tokens"),
            User = OptionalString(body, "user", "user") ?? OptionalString(body, "safety_identifier", "safety_identifier"),
            ParallelToolCalls = OptionalBoolean(body, "parallel_tool_calls", "parallel_tool_calls"),
            Tools = ReadTools(body),
            ToolChoice = ReadToolChoice(body),
            ResponseFormat = text is { } t ? ReadFormat(t) : null,
        };

        return new ResponsesRequest(model, messages, settings, OptionalBoolean(body, "stream", "stream") == true)
        {
            Instructions = instructions,
            Tools = Member(body, "tools"),
            Text = Member(body, "text"),
            ToolChoice = Member(body, "tool_choice"),
            Metadata = Member(body, "metadata"),
        };
    }

    /// <summary>Members whose effect the hub cannot give, refused so that ignoring them never changes an answer silently.</summary>
    private static void RefuseUnsupportedMembers(JsonElement body)
    {
        if (IsGiven(body, "previous_response_id"))
        {
            throw Unsupported("previous_response_id", "the hub does not store responses; send the whole conversation as input items");
        }

        if (IsGiven(body, "conversation"))
        {
            throw Unsupported("conversation", "the hub does not store conversations; send the whole conversation as input items");
        }

        if (IsGiven(body, "background"))
        {
            throw Unsupported("background", "responses are answered while the request is open");
        }

        if (IsGiven(body, "prompt"))
        {
            throw Unsupported("prompt", "stored prompt templates live on OpenAI's platform; send the text as input");
        }

        if (Optional(body, "reasoning", JsonValueKind.Object, "reasoning") is { } reasoning
            && (IsGiven(reasoning, "effort") || IsGiven(reasoning, "summary")))
        {
            throw Unsupported("reasoning", "reasoning settings are not passed on by this route yet; leave them out for the model's default");
        }

        if (Optional(body, "text", JsonValueKind.Object, "text") is { } text && IsGiven(text, "verbosity"))
        {
            throw Unsupported("text.verbosity", "verbosity is not passed on by this route yet; leave it out for the model's default");
        }

        if (body.TryGetProperty("top_logprobs", out var topLogprobs) && topLogprobs.ValueKind == JsonValueKind.Number && topLogprobs.GetDouble() > 0)
        {
            throw Unsupported("top_logprobs", "token log probabilities are not passed on by this route");
        }

        if (IsGiven(body, "max_tool_calls"))
        {
            throw Unsupported("max_tool_calls", "the hub runs no hosted tools, and function calls are bounded by the client's own loop");
        }
    }

    private static JsonElement Member(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : default;

    private static void ReadInput(JsonElement input, List<ChatMessage> messages)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            messages.Add(new ChatMessage(ChatRole.User, input.GetString()));
            return;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw Shape("input", "input must be a string or an array of input items");
        }

        // Consecutive function calls (and the assistant text before them) are one assistant turn in chat terms.
        string? assistantText = null;
        var calls = new List<ToolCall>();
        void FlushAssistant()
        {
            if (assistantText is not null || calls.Count > 0)
            {
                messages.Add(new ChatMessage(ChatRole.Assistant, assistantText, toolCalls: calls.ToList()));
                assistantText = null;
                calls.Clear();
            }
        }

        var i = 0;
        foreach (var item in input.EnumerateArray())
        {
            var path = $"input[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Shape(path, $"{path} must be an object");
            }

            switch (OptionalString(item, "type", path + ".type") ?? "message")
            {
                case "message":
                    var message = ReadMessage(item, path);
                    if (message.Role == ChatRole.Assistant && calls.Count == 0)
                    {
                        FlushAssistant();
                        assistantText = message.PlainText();
                        continue;
                    }

                    FlushAssistant();
                    messages.Add(message);
                    break;
                case "function_call":
                    calls.Add(new ToolCall(
                        RequiredString(item, "call_id", path + ".call_id"),
                        RequiredString(item, "name", path + ".name"),
                        OptionalString(item, "arguments", path + ".arguments") ?? "{}"));
                    break;
                case "function_call_output":
                    FlushAssistant();
                    messages.Add(new ChatMessage(ChatRole.Tool, ReadOutput(item, path), toolCallId: RequiredString(item, "call_id", path + ".call_id")));
                    break;
                case "reasoning":
                    // A reasoning item handed back from an earlier answer: the hub's answers carry none, and a
                    // provider's reasoning is not replayed across turns, so it adds nothing to the conversation.
                    break;
                case "item_reference":
                    throw Unsupported(path + ".type", "item references need stored responses, which the hub does not keep; send the item itself");
                case var other:
                    throw Shape(path + ".type", $"'{Truncate(other)}' is not a supported input item type: use 'message', 'function_call' or 'function_call_output'");
            }
        }

        FlushAssistant();
    }

    private static ChatMessage ReadMessage(JsonElement item, string path)
    {
        var role = OptionalString(item, "role", path + ".role") switch
        {
            "user" => ChatRole.User,
            "system" => ChatRole.System,
            "developer" => ChatRole.Developer,
            "assistant" => ChatRole.Assistant,
            null => throw Shape(path + ".role", $"{path}.role is required"),
            var other => throw Shape(path + ".role", $"'{Truncate(other)}' is not one of ['user', 'system', 'developer', 'assistant']"),
        };

        if (!item.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            throw Shape(path + ".content", $"{path}.content is required");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return new ChatMessage(role, content.GetString());
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Shape(path + ".content", $"{path}.content must be a string or an array of content parts");
        }

        var parts = new List<ContentPart>();
        var j = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{j++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                throw Shape(partPath, $"{partPath} must be an object with a type");
            }

            parts.Add(OptionalString(part, "type", partPath + ".type") switch
            {
                "input_text" or "output_text" => new TextPart(RequiredString(part, "text", partPath + ".text")),
                "refusal" => new TextPart(RequiredString(part, "refusal", partPath + ".refusal")),
                "input_image" => new ImagePart(
                    OptionalString(part, "image_url", partPath + ".image_url")
                        ?? throw Unsupported(partPath + ".image_url", "images are sent by URL or data: URL in image_url; uploaded file ids are not available"),
                    OptionalString(part, "detail", partPath + ".detail")),
                "input_file" or "input_audio" => throw Unsupported(partPath + ".type", "files and audio are not passed on; send text or images"),
                var other => throw Shape(partPath + ".type", $"'{Truncate(other ?? string.Empty)}' is not a supported content type: use 'input_text', 'input_image' or 'output_text'"),
            });
        }

        return new ChatMessage(role, null, parts);
    }

    /// <summary>A function's output: a string, or parts whose text is joined (OpenAI also accepts that shape).</summary>
    private static string ReadOutput(JsonElement item, string path)
    {
        if (!item.TryGetProperty("output", out var output) || output.ValueKind == JsonValueKind.Null)
        {
            throw Shape(path + ".output", $"{path}.output is required");
        }

        return output.ValueKind switch
        {
            JsonValueKind.String => output.GetString()!,
            JsonValueKind.Array => string.Join('\n', output.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(p => p.GetProperty("text").GetString())),
            _ => output.GetRawText(),
        };
    }

    private static ToolDefinition[]? ReadTools(JsonElement body)
    {
        if (Optional(body, "tools", JsonValueKind.Array, "tools") is not { } tools || tools.GetArrayLength() == 0)
        {
            return null;
        }

        var result = new ToolDefinition[tools.GetArrayLength()];
        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{i}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw Shape(path, $"{path} must be an object");
            }

            var type = OptionalString(tool, "type", path + ".type");
            if (type != "function")
            {
                throw Unsupported(path + ".type", $"only function tools are offered to models through the hub, not '{Truncate(type ?? string.Empty)}'");
            }

            result[i++] = new ToolDefinition(
                RequiredString(tool, "name", path + ".name"),
                OptionalString(tool, "description", path + ".description"),
                Optional(tool, "parameters", JsonValueKind.Object, path + ".parameters")?.GetRawText(),
                OptionalBoolean(tool, "strict", path + ".strict"));
        }

        return result;
    }

    private static ToolChoice? ReadToolChoice(JsonElement body)
    {
        if (!body.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "auto" => Domain.Chat.ToolChoice.Auto,
                "none" => Domain.Chat.ToolChoice.None,
                "required" => Domain.Chat.ToolChoice.Required,
                var other => throw Shape("tool_choice", $"'{Truncate(other ?? string.Empty)}' is not one of ['auto', 'none', 'required'] or a function"),
            };
        }

        if (choice.ValueKind == JsonValueKind.Object && OptionalString(choice, "type", "tool_choice.type") == "function")
        {
            return Domain.Chat.ToolChoice.Function(RequiredString(choice, "name", "tool_choice.name"));
        }

        throw Shape("tool_choice", "tool_choice must be 'auto', 'none', 'required' or {\"type\": \"function\", \"name\": …}");
    }

    private static ResponseFormat? ReadFormat(JsonElement text)
    {
        if (Optional(text, "format", JsonValueKind.Object, "text.format") is not { } format)
        {
            return null;
        }

        return OptionalString(format, "type", "text.format.type") switch
        {
            "text" or null => null,
            "json_object" => ResponseFormat.JsonObject,
            "json_schema" => new ResponseFormat(
                ResponseFormatKind.JsonSchema,
                RequiredString(format, "name", "text.format.name"),
                (Optional(format, "schema", JsonValueKind.Object, "text.format.schema") ?? throw Shape("text.format.schema", "text.format.schema is required for type 'json_schema'")).GetRawText(),
                OptionalBoolean(format, "strict", "text.format.strict"),
                OptionalString(format, "description", "text.format.description")),
            var other => throw Shape("text.format.type", $"'{Truncate(other)}' is not one of ['text', 'json_object', 'json_schema']"),
        };
    }
}
