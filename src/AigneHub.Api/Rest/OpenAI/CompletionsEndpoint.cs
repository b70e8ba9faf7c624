using static AigneHub.Api.Rest.JsonRequestFields;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>What a client asked for on POST /v1/completions, as a chat call.</summary>
internal sealed record CompletionsRequest(string Model, string Prompt, ChatSettings Settings, bool Stream, bool Echo, bool IncludeUsage);

/// <summary>
/// POST /v1/completions, OpenAI's legacy text completions, mapped onto chat for every provider: the prompt becomes one
/// user message and the answer's text the completion's <c>text</c>. Answers one <c>text_completion</c> object, or with
/// <c>"stream": true</c> <c>text_completion</c> chunks and <c>data: [DONE]</c>. <c>echo</c> is honoured (the prompt is
/// put before the text); what chat cannot do — <c>suffix</c>, <c>logprobs</c>, <c>best_of</c> above <c>n</c>, token
/// prompts, several prompts in one call, <c>logit_bias</c> — is refused with a 400 naming the member.
/// </summary>
internal sealed class CompletionsEndpoint(IMediator mediator, ILogger<CompletionsEndpoint> logger)
{
    public const string Route = "/v1/completions";

    private static readonly Dictionary<string, string> ChatToCompletions = new(StringComparer.Ordinal)
    {
        ["messages"] = "prompt",
    };

    public Task HandleAsync(HttpContext context) => ChatSurface.HandleAsync(context, body => AnswerAsync(context, body), error => OpenAIRoute.RefuseAsync(context, error, ChatToCompletions));

    private async Task AnswerAsync(HttpContext context, JsonElement body)
    {
        var request = Read(body);
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, request.Prompt)];
        if (request.Stream)
        {
            var command = new StreamChatCompletionCommand(context.TraceIdentifier, request.Model, messages, request.Settings);
            await ChatSurface.StreamAsync(context, mediator.CreateStream(command, context.RequestAborted), "openai-completions", output => new TextCompletionChunkWriter(output, request), logger);
            return;
        }

        var completion = await mediator.Send(new CreateChatCompletionCommand(context.TraceIdentifier, request.Model, messages, request.Settings), context.RequestAborted);
        await OpenAIRoute.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            TextCompletionChunkWriter.WriteHead(json, completion.Id, completion.Created, completion.Model, completion.SystemFingerprint);
            json.WriteStartArray("choices");
            foreach (var choice in completion.Choices)
            {
                TextCompletionChunkWriter.WriteChoice(json, choice.Index, (request.Echo ? request.Prompt : string.Empty) + choice.Content, choice.FinishReason);
            }

            json.WriteEndArray();
            TextCompletionChunkWriter.WriteUsage(json, completion.Usage);
            json.WriteEndObject();
        });
    }

    internal static CompletionsRequest Read(JsonElement body)
    {
        body = Body(body);
        var model = OptionalString(body, "model", "model") ?? throw Shape("model", "you must provide a model parameter");
        var prompt = ReadPrompt(body);
        if (IsGiven(body, "suffix"))
        {
            throw Unsupported("suffix", "completions are answered by chat models, which do not insert text before a suffix");
        }

        if (body.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            throw Unsupported("logprobs", "token log probabilities are not passed on by this route");
        }

        if (IsGiven(body, "logit_bias"))
        {
            throw Unsupported("logit_bias", "token biases are not passed on by this route");
        }

        var n = OptionalInteger(body, "n", "n");
        if (OptionalInteger(body, "best_of", "best_of") is { } bestOf && bestOf != (n ?? 1))
        {
            throw Unsupported("best_of", "the hub does not generate extra answers to pick the best from; leave best_of out or equal to n");
        }

        var settings = new ChatSettings
        {
            Temperature = OptionalNumber(body, "temperature", "temperature"),
            TopP = OptionalNumber(body, "top_p", "top_p"),
            MaxTokens = OptionalInteger(body, "max_tokens", "max_tokens"),
            Stop = OptionalStrings(body, "stop", "stop"),
            N = n,
            Seed = OptionalLong(body, "seed", "seed"),
            User = OptionalString(body, "user", "user"),
            PresencePenalty = OptionalNumber(body, "presence_penalty", "presence_penalty"),
            FrequencyPenalty = OptionalNumber(body, "frequency_penalty", "frequency_penalty"),
        };
        var streamOptions = Optional(body, "stream_options", JsonValueKind.Object, "stream_options");
        return new CompletionsRequest(
            model,
            prompt,
            settings,
            OptionalBoolean(body, "stream", "stream") == true,
            OptionalBoolean(body, "echo", "echo") == true,
            streamOptions is { } so && OptionalBoolean(so, "include_usage", "stream_options.include_usage") == true);
    }

    /// <summary>A string, or an array holding one string; token arrays and batches of prompts are refused.</summary>
    private static string ReadPrompt(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            throw Shape("prompt", "prompt is required: the text to complete");
        }

        if (prompt.ValueKind == JsonValueKind.String)
        {
            return prompt.GetString()!;
        }

        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
        {
            return prompt[0].GetString()!;
        }

        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 1 && prompt.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String))
        {
            throw Unsupported("prompt", "send one prompt per request (the hub answers one prompt per call)");
        }

        throw Unsupported("prompt", "token-id prompts need the model's own tokenizer; send the prompt as text");
    }
}

/// <summary>
/// Writes the legacy completions format: <c>text_completion</c> objects whose choices carry <c>text</c>,
/// <c>index</c>, <c>logprobs: null</c> and <c>finish_reason</c>; streamed as <c>data:</c> events, the usage in a last
/// chunk with no choices when <c>stream_options.include_usage</c> asked for it, then <c>data: [DONE]</c>.
/// </summary>
internal sealed class TextCompletionChunkWriter(IBufferWriter<byte> output, CompletionsRequest request) : IChatEventWriter
{
    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder });

    public static void WriteHead(Utf8JsonWriter json, string id, DateTimeOffset created, string model, string? fingerprint)
    {
        json.WriteString("id", id.StartsWith("chatcmpl-", StringComparison.Ordinal) ? "cmpl-" + id["chatcmpl-".Length..] : id);
        json.WriteString("object", "text_completion");
        json.WriteNumber("created", created.ToUnixTimeSeconds());
        json.WriteString("model", model);
        if (fingerprint is not null)
        {
            json.WriteString("system_fingerprint", fingerprint);
        }
    }

    public static void WriteChoice(Utf8JsonWriter json, int index, string text, string? finishReason)
    {
        json.WriteStartObject();
        json.WriteString("text", text);
        json.WriteNumber("index", index);
        json.WriteNull("logprobs");
        if (finishReason is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finishReason);
        }

        json.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter json, Domain.Usage.TokenUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", usage.PromptTokens);
        json.WriteNumber("completion_tokens", usage.CompletionTokens);
        json.WriteNumber("total_tokens", usage.TotalTokens);
        json.WriteEndObject();
    }

    public void Start(ChatCompletionUpdate first)
    {
        if (request.Echo)
        {
            for (var choice = 0; choice < (request.Settings.N ?? 1); choice++)
            {
                WriteChunk(first, choice, request.Prompt, null);
            }
        }
    }

    public void Write(ChatCompletionUpdate update)
    {
        if (update.Usage is { } usage)
        {
            if (request.IncludeUsage)
            {
                WriteEvent(json =>
                {
                    WriteHead(json, update.Id, update.Created, update.Model, update.SystemFingerprint);
                    json.WriteStartArray("choices");
                    json.WriteEndArray();
                    WriteUsage(json, usage);
                });
            }

            return;
        }

        if (update.ContentDelta is { Length: > 0 } || update.FinishReason is not null)
        {
            WriteChunk(update, update.ChoiceIndex, update.ContentDelta ?? string.Empty, update.FinishReason);
        }
    }

    public void Complete() => output.Write("data: [DONE]\n\n"u8);

    public void Fail(HubError error) => WriteEvent(json => OpenAIErrorBody.Write(json, error), wrapped: false);

    private void WriteChunk(ChatCompletionUpdate update, int choice, string text, string? finishReason) => WriteEvent(json =>
    {
        WriteHead(json, update.Id, update.Created, update.Model, update.SystemFingerprint);
        json.WriteStartArray("choices");
        WriteChoice(json, choice, text, finishReason);
        json.WriteEndArray();
    });

    private void WriteEvent(Action<Utf8JsonWriter> body, bool wrapped = true)
    {
        output.Write("data: "u8);
        _json.Reset(output);
        if (wrapped)
        {
            _json.WriteStartObject();
            body(_json);
            _json.WriteEndObject();
        }
        else
        {
            body(_json);
        }

        _json.Flush();
        output.Write("\n\n"u8);
    }
}
