using AigneHub.Application.Embeddings.Commands.CreateEmbeddings;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Models.Queries.ListModelCatalogue;

namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// The AIGNE-native image, embedding and model-list routes: <c>POST /api/v2/image</c> (what <c>AIGNEHubImageModel</c>
/// calls), <c>POST /api/v2/embeddings</c> and <c>GET /api/ai/models?type=</c> (the client's <c>models()</c>).
/// </summary>
internal sealed class AigneMediaEndpoints(IMediator mediator, RestRoot restRoot, TimeProvider time)
{
    /// <summary>
    /// Body: the AIGNE invoke payload <c>{"input":{"prompt","n"?,"outputFileType"?,"size"?,"quality"?,"style"?,
    /// "modelOptions":{"model",…}}}</c>. Answer: <c>{"images":[{"type":"url","url","mimeType"} | {"type":"file","data","mimeType"}],
    /// "usage":{"inputTokens","outputTokens"},"model"}</c>. <c>outputFileType: "url"</c> (what the client sends) answers
    /// links to the hub's own stored copies; anything else answers the bytes.
    /// </summary>
    public async Task ImageAsync(HttpContext context)
    {
        await RespondAsync(context, async body =>
        {
            var input = Input(body);
            var modelOptions = OptionalObject(input, "modelOptions", "input.modelOptions");
            var model = (modelOptions is { } mo ? OptionalString(mo, "model", "input.modelOptions.model") : null)
                ?? OptionalString(input, "model", "input.model")
                ?? throw Shape("input.modelOptions.model", "input.modelOptions.model is required, e.g. \"demo/image\" or \"openai/gpt-image-1\"");
            var prompt = OptionalString(input, "prompt", "input.prompt") ?? throw Shape("input.prompt", "input.prompt is required");
            var n = !input.TryGetProperty("n", out var count) || count.ValueKind == JsonValueKind.Null ? 1
                : count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var parsed) ? parsed
                : throw Shape("input.n", "input.n must be a whole number of images");
            string? Setting(string name) => OptionalString(input, name, "input." + name) ?? (modelOptions is { } o ? OptionalString(o, name, "input.modelOptions." + name) : null);
            var asUrl = OptionalString(input, "outputFileType", "input.outputFileType") == "url";

            var command = new GenerateImagesCommand(
                context.TraceIdentifier, AigneChatRequestReader.WithoutClientPrefix(model), prompt, n, Setting("size"), Setting("quality"), Setting("style"),
                asUrl ? GenerateImagesCommand.UrlFormat : GenerateImagesCommand.Base64Format, null);
            var result = await mediator.Send(command, context.RequestAborted);

            var root = restRoot.For(context);
            return json =>
            {
                json.WriteStartArray("images");
                foreach (var image in result.Images)
                {
                    json.WriteStartObject();
                    if (image.Content is { } bytes)
                    {
                        json.WriteString("type", "file");
                        json.WriteBase64String("data", bytes);
                    }
                    else
                    {
                        json.WriteString("type", "url");
                        json.WriteString("url", image.StoredImageId is { } id ? new Uri(root, Grpc.ImagesMapping.FilesPath + id.ToString("N")).AbsoluteUri : image.ExternalUrl);
                    }

                    json.WriteString("mimeType", "image/png");
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartObject("usage");
                json.WriteNumber("inputTokens", result.Usage.PromptTokens);
                json.WriteNumber("outputTokens", result.Usage.CompletionTokens);
                WriteCredits(json, result.CreditsCharged, result.CreditPrefix);
                json.WriteEndObject();
                json.WriteString("model", result.Model);
            };
        });
    }

    /// <summary>Body <c>{"model","input": string | string[]}</c>; answer <c>{"data":[{"object":"embedding","index","embedding"}],"model","usage"}</c>.</summary>
    public async Task EmbeddingsAsync(HttpContext context)
    {
        await RespondAsync(context, async body =>
        {
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw Shape("body", "the request body must be a JSON object with 'model' and 'input'");
            }

            var model = OptionalString(body, "model", "model") ?? throw Shape("model", "model is required, e.g. \"demo/embed\"");
            var inputs = body.TryGetProperty("input", out var input) ? input.ValueKind switch
            {
                JsonValueKind.String => [input.GetString()!],
                JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                    input.EnumerateArray().Select(e => e.GetString()!).ToArray(),
                _ => throw Shape("input", "input must be a string or an array of strings"),
            } : throw Shape("input", "input is required");

            var result = await mediator.Send(new CreateEmbeddingsCommand(context.TraceIdentifier, AigneChatRequestReader.WithoutClientPrefix(model), inputs, null, null), context.RequestAborted);
            return json =>
            {
                json.WriteStartArray("data");
                for (var i = 0; i < result.Vectors.Count; i++)
                {
                    json.WriteStartObject();
                    json.WriteString("object", "embedding");
                    json.WriteNumber("index", i);
                    json.WriteStartArray("embedding");
                    foreach (var value in result.Vectors[i])
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("model", result.Model);
                json.WriteStartObject("usage");
                json.WriteNumber("inputTokens", result.Usage.PromptTokens);
                json.WriteNumber("outputTokens", 0);
                WriteCredits(json, result.CreditsCharged, result.CreditPrefix);
                json.WriteEndObject();
            };
        });
    }

    /// <summary>
    /// <c>GET /api/ai/models?type=chat|image|embedding</c>: a JSON array of <c>{model, type, provider, providerDisplayName,
    /// input_credits_per_token, output_credits_per_token, status:{available}}</c>, rates as decimal strings ("0" when the
    /// model has no rate).
    /// </summary>
    public async Task ModelsAsync(HttpContext context)
    {
        IReadOnlyList<ModelCatalogueEntry> models;
        try
        {
            models = await mediator.Send(new ListModelCatalogueQuery(context.Request.Query["type"].ToString()), context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier), time);
            return;
        }

        context.Response.ContentType = "application/json";
        await using (var json = new Utf8JsonWriter(context.Response.BodyWriter, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartArray();
            foreach (var model in models)
            {
                json.WriteStartObject();
                json.WriteString("model", model.Model);
                json.WriteString("type", ListModelCatalogueQuery.TypeOf(model.Kind));
                json.WriteString("provider", model.Provider);
                json.WriteString("providerDisplayName", model.ProviderDisplayName);
                json.WriteString("input_credits_per_token", model.InputRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("output_credits_per_token", model.OutputRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteStartObject("status");
                json.WriteBoolean("available", model.Available);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task RespondAsync(HttpContext context, Func<JsonElement, Task<Action<Utf8JsonWriter>>> handle)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            var write = await handle(body.RootElement);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await using (var json = new Utf8JsonWriter(context.Response.BodyWriter, OpenAIErrorBody.WriterOptions))
            {
                json.WriteStartObject();
                write(json);
                json.WriteEndObject();
            }

            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.MalformedJson(ex), time);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier), time);
        }
    }

    private static JsonElement Input(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object
            ? input
            : throw Shape("input", "input is required and must be an object");

    private static JsonElement? OptionalObject(JsonElement parent, string name, string path) =>
        !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Object ? value
        : throw Shape(path, $"{path} must be an object");

    private static string? OptionalString(JsonElement parent, string name, string path) =>
        !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw Shape(path, $"{path} must be a string");

    private static RequestValidationException Shape(string field, string message) => new([new FieldViolation(field, message)]);

    /// <summary>The credits a charged call cost, as the AIGNE client reads them (the chat route writes the same).</summary>
    private static void WriteCredits(System.Text.Json.Utf8JsonWriter json, decimal? credits, string? prefix)
    {
        if (credits is not { } charged)
        {
            return;
        }

        json.WriteNumber("aigneHubCredits", charged);
        if (prefix is { Length: > 0 })
        {
            json.WriteString("creditPrefix", prefix);
        }
    }
}
