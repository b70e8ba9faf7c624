using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// OpenAI's embeddings and image generation endpoints, as its API reference documents them:
/// <c>POST /v1/embeddings</c> answers <c>{"object":"list","data":[{"object":"embedding","index","embedding":[…]}],"model","usage":{"prompt_tokens","total_tokens"}}</c>
/// (a deterministic vector per input, <see cref="EmbeddingDimensions"/> long unless <c>dimensions</c> asks otherwise);
/// <c>POST /v1/images/generations</c> answers <c>{"created","data":[{"b64_json"|"url","revised_prompt"?}],"usage"?}</c>
/// with <see cref="OnePixelPng"/> per image (a URL only when the request asked for <c>response_format: "url"</c>;
/// <c>revised_prompt</c> for dall-e-3; token usage for gpt-image models). The scripts (<see cref="Fail"/>,
/// <see cref="Hang"/>, <see cref="RespondRaw"/>) and <see cref="RequiredApiKey"/> apply as to chat.
/// </summary>
public sealed partial class FakeOpenAIUpstream
{
    public const int EmbeddingDimensions = 8;

    /// <summary>A valid 1×1 PNG, the image every generation answers with.</summary>
    public const string OnePixelPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    /// <summary>The value at <paramref name="position"/> of the fake's vector for an input: a pure function of the two.</summary>
    public static float EmbeddingValue(string input, int position) => ((input.Length % 97) + position + 1) / 128f;

    private async Task<bool> TryAnswerMediaAsync(HttpContext context, byte[] body, Script script)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path == ImageEditsPath)
        {
            await AnswerImageEditAsync(context, body, script).ConfigureAwait(false);
            return true;
        }

        var embeddings = request.Path == "/v1/embeddings";
        if (!HttpMethods.IsPost(request.Method) || (!embeddings && request.Path != "/v1/images/generations"))
        {
            return false;
        }

        if (RequiredApiKey is { } key && request.Headers.Authorization.ToString() != "Bearer " + key)
        {
            await WriteErrorAsync(context, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key").ConfigureAwait(false);
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null).ConfigureAwait(false);
            return true;
        }

        using (document)
        {
            switch (script.Kind)
            {
                case ScriptKind.Fail:
                    await WriteScriptedErrorAsync(context, script).ConfigureAwait(false);
                    return true;
                case ScriptKind.Hang:
                    await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                    return true;
                case ScriptKind.Raw:
                    context.Response.StatusCode = script.Status;
                    context.Response.ContentType = script.RawContentType;
                    await context.Response.BodyWriter.WriteAsync(script.RawBody, context.RequestAborted).ConfigureAwait(false);
                    return true;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            using (var json = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions))
            {
                if (embeddings)
                {
                    WriteEmbeddings(json, document.RootElement);
                }
                else
                {
                    WriteImages(json, document.RootElement);
                }
            }

            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            return true;
        }
    }

    private void WriteEmbeddings(Utf8JsonWriter json, JsonElement request)
    {
        var input = request.GetProperty("input");
        var inputs = input.ValueKind == JsonValueKind.String
            ? [input.GetString()!]
            : input.EnumerateArray().Select(i => i.GetString()!).ToArray();
        var dimensions = request.TryGetProperty("dimensions", out var d) ? d.GetInt32() : EmbeddingDimensions;
        var tokens = inputs.Sum(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

        json.WriteStartObject();
        json.WriteString("object"u8, "list"u8);
        json.WriteStartArray("data"u8);

        // Last input first: a client must order by index, not by position in the array.
        for (var index = inputs.Length - 1; index >= 0; index--)
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "embedding"u8);
            json.WriteNumber("index"u8, index);
            json.WriteStartArray("embedding"u8);
            for (var position = 0; position < dimensions; position++)
            {
                json.WriteNumberValue(EmbeddingValue(inputs[index], position));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("model"u8, ResponseModel ?? request.GetProperty("model").GetString());
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, tokens);
        json.WriteNumber("total_tokens"u8, tokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void WriteImages(Utf8JsonWriter json, JsonElement request, int imageTokens = 0)
    {
        var model = request.GetProperty("model").GetString() ?? string.Empty;
        var prompt = request.GetProperty("prompt").GetString() ?? string.Empty;
        var n = request.TryGetProperty("n", out var count) ? count.GetInt32() : 1;
        var asUrl = request.TryGetProperty("response_format", out var format) && format.GetString() == "url";

        json.WriteStartObject();
        json.WriteNumber("created"u8, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        json.WriteStartArray("data"u8);
        for (var i = 0; i < n; i++)
        {
            json.WriteStartObject();
            if (asUrl)
            {
                json.WriteString("url"u8, $"https://oaidalleapiprodscus.blob.core.windows.net/private/img-{NextId()}.png");
            }
            else
            {
                json.WriteString("b64_json"u8, OnePixelPng);
            }

            if (model == "dall-e-3")
            {
                json.WriteString("revised_prompt"u8, "A detailed rendering of " + prompt);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (model.StartsWith("gpt-image", StringComparison.Ordinal))
        {
            var text = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            var input = text + imageTokens;
            json.WriteStartObject("usage"u8);
            json.WriteNumber("input_tokens"u8, input);
            json.WriteNumber("output_tokens"u8, 272 * n);
            json.WriteNumber("total_tokens"u8, input + (272 * n));
            json.WriteStartObject("input_tokens_details"u8);
            json.WriteNumber("text_tokens"u8, text);
            json.WriteNumber("image_tokens"u8, imageTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
