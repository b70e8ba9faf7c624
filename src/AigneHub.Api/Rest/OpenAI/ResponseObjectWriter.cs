using AigneHub.Domain.Usage;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>One output item of a response: the assistant's message, or a function call it asks for.</summary>
internal abstract record ResponseItem(string Id);

internal sealed record ResponseMessageItem(string Id, string Text) : ResponseItem(Id);

/// <param name="CallId">The id the client's <c>function_call_output</c> names when it answers the call.</param>
internal sealed record ResponseFunctionCallItem(string Id, string CallId, string Name, string Arguments) : ResponseItem(Id);

/// <summary>A response at one moment of its life: in progress (streamed), completed, incomplete or failed.</summary>
internal sealed record ResponseSnapshot(
    string Id,
    DateTimeOffset CreatedAt,
    string Model,
    string Status,
    IReadOnlyList<ResponseItem> Output,
    TokenUsage? Usage,
    ResponsesRequest Request)
{
    /// <summary>Why an incomplete response stopped: max_output_tokens or content_filter.</summary>
    public string? IncompleteReason { get; init; }

    public HubError? Error { get; init; }

    /// <summary>The status and incomplete reason a chat finish reason means (length: incomplete at the token bound).</summary>
    public static (string Status, string? Reason) Outcome(string? finishReason) => finishReason switch
    {
        "length" => ("incomplete", "max_output_tokens"),
        "content_filter" => ("incomplete", "content_filter"),
        _ => ("completed", null),
    };

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");
}

/// <summary>
/// Writes OpenAI's <c>response</c> object, as the unary answer and the lifecycle events of a stream carry it, with the
/// request members a response echoes (instructions, tools, tool_choice, text, sampling, metadata). <c>store</c> is
/// false: the hub keeps no responses (docs/api.md).
/// </summary>
internal static class ResponseObjectWriter
{
    public static void Write(Utf8JsonWriter json, ResponseSnapshot response)
    {
        var request = response.Request;
        json.WriteStartObject();
        json.WriteString("id", response.Id);
        json.WriteString("object", "response");
        json.WriteNumber("created_at", response.CreatedAt.ToUnixTimeSeconds());
        json.WriteString("status", response.Status);
        if (response.Error is { } error)
        {
            json.WriteStartObject("error");
            json.WriteString("code", error.Code ?? error.Type);
            json.WriteString("message", error.Message);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("error");
        }

        if (response.IncompleteReason is { } reason)
        {
            json.WriteStartObject("incomplete_details");
            json.WriteString("reason", reason);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details");
        }

        WriteNullable(json, "instructions", request.Instructions);
        WriteNullable(json, "max_output_tokens", request.Settings.MaxTokens);
        json.WriteString("model", response.Model);
        json.WriteStartArray("output");
        foreach (var item in response.Output)
        {
            WriteItem(json, item, "completed");
        }

        json.WriteEndArray();
        json.WriteBoolean("parallel_tool_calls", request.Settings.ParallelToolCalls ?? true);
        json.WriteNull("previous_response_id");
        json.WriteStartObject("reasoning");
        json.WriteNull("effort");
        json.WriteNull("summary");
        json.WriteEndObject();
        json.WriteBoolean("store", false);
        WriteNullable(json, "temperature", request.Settings.Temperature);
        WriteEchoed(json, "text", request.Text, static j =>
        {
            j.WriteStartObject();
            j.WriteStartObject("format");
            j.WriteString("type", "text");
            j.WriteEndObject();
            j.WriteEndObject();
        });
        WriteEchoed(json, "tool_choice", request.ToolChoice, static j => j.WriteStringValue("auto"));
        WriteEchoed(json, "tools", request.Tools, static j =>
        {
            j.WriteStartArray();
            j.WriteEndArray();
        });
        WriteNullable(json, "top_p", request.Settings.TopP);
        json.WriteString("truncation", "disabled");
        if (response.Usage is { } usage)
        {
            json.WriteStartObject("usage");
            json.WriteNumber("input_tokens", usage.PromptTokens);
            json.WriteStartObject("input_tokens_details");
            json.WriteNumber("cached_tokens", usage.CachedPromptTokens);
            json.WriteEndObject();
            json.WriteNumber("output_tokens", usage.CompletionTokens);
            json.WriteStartObject("output_tokens_details");
            json.WriteNumber("reasoning_tokens", 0);
            json.WriteEndObject();
            json.WriteNumber("total_tokens", usage.TotalTokens);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("usage");
        }

        WriteNullable(json, "user", request.Settings.User);
        WriteEchoed(json, "metadata", request.Metadata, static j =>
        {
            j.WriteStartObject();
            j.WriteEndObject();
        });
        json.WriteEndObject();
    }

    /// <summary>An output item; <paramref name="status"/> is in_progress when a stream announces it, completed after.</summary>
    public static void WriteItem(Utf8JsonWriter json, ResponseItem item, string status)
    {
        json.WriteStartObject();
        json.WriteString("id", item.Id);
        switch (item)
        {
            case ResponseMessageItem message:
                json.WriteString("type", "message");
                json.WriteString("status", status);
                json.WriteString("role", "assistant");
                json.WriteStartArray("content");
                if (status == "completed")
                {
                    WriteTextPart(json, message.Text);
                }

                json.WriteEndArray();
                break;
            case ResponseFunctionCallItem call:
                json.WriteString("type", "function_call");
                json.WriteString("status", status);
                json.WriteString("call_id", call.CallId);
                json.WriteString("name", call.Name);
                json.WriteString("arguments", call.Arguments);
                break;
        }

        json.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type", "output_text");
        json.WriteString("text", text);
        json.WriteStartArray("annotations");
        json.WriteEndArray();
        json.WriteStartArray("logprobs");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteEchoed(Utf8JsonWriter json, string name, JsonElement sent, Action<Utf8JsonWriter> fallback)
    {
        json.WritePropertyName(name);
        if (sent.ValueKind == JsonValueKind.Undefined)
        {
            fallback(json);
        }
        else
        {
            sent.WriteTo(json);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
