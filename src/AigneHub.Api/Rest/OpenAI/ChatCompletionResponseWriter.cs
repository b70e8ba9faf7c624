using AigneHub.Domain.Usage;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// Writes a unary chat answer as OpenAI's <c>chat.completion</c> object, straight into the response pipe, field for
/// field as OpenAI sends it: <c>content</c> and <c>refusal</c> are <c>null</c> when there is none (proto3 JSON
/// would leave them out), <c>tool_calls</c> appears only when the model called a tool, and every choice carries
/// <c>logprobs</c>: the provider's log probabilities when the call asked for them, else null. The gRPC method keeps its own typed response; this is the REST edge's writer.
/// </summary>
internal static class ChatCompletionResponseWriter
{
    public static void Write(IBufferWriter<byte> output, ChatCompletion completion)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder });
        json.WriteStartObject();
        json.WriteString("id", completion.Id);
        json.WriteString("object", "chat.completion");
        json.WriteNumber("created", completion.Created.ToUnixTimeSeconds());
        json.WriteString("model", completion.Model);
        json.WriteStartArray("choices");
        foreach (var choice in completion.Choices)
        {
            WriteChoice(json, choice);
        }

        json.WriteEndArray();
        WriteUsage(json, completion.Usage);
        if (completion.SystemFingerprint is not null)
        {
            json.WriteString("system_fingerprint", completion.SystemFingerprint);
        }

        json.WriteEndObject();
        json.Flush();
    }

    private static void WriteChoice(Utf8JsonWriter json, ChatChoice choice)
    {
        json.WriteStartObject();
        json.WriteNumber("index", choice.Index);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        if (choice.Content is not null)
        {
            json.WriteString("content", choice.Content);
        }
        else
        {
            json.WriteNull("content");
        }

        json.WriteNull("refusal");
        if (choice.ToolCalls is { Count: > 0 } calls)
        {
            json.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                json.WriteStartObject();
                json.WriteString("id", call.Id);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", call.Name);
                json.WriteString("arguments", call.Arguments);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        WriteLogprobs(json, choice.LogprobsJson);
        json.WriteString("finish_reason", choice.FinishReason);
        json.WriteEndObject();
    }

    /// <summary>A choice's <c>logprobs</c>: the provider's object as it came, or null.</summary>
    public static void WriteLogprobs(Utf8JsonWriter json, string? logprobsJson)
    {
        if (logprobsJson is null)
        {
            json.WriteNull("logprobs");
        }
        else
        {
            json.WritePropertyName("logprobs");
            json.WriteRawValue(logprobsJson, skipInputValidation: true);
        }
    }

    /// <summary>OpenAI's usage object, as the unary answer and the final stream chunk carry it.</summary>
    public static void WriteUsage(Utf8JsonWriter json, TokenUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", usage.PromptTokens);
        json.WriteNumber("completion_tokens", usage.CompletionTokens);
        json.WriteNumber("total_tokens", usage.TotalTokens);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", usage.CachedPromptTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
