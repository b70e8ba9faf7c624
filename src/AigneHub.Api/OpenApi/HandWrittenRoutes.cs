using AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.OpenApi;

/// <summary>
/// The OpenAPI descriptions of the routes the hub maps by hand (not through JSON transcoding). A route mapped without
/// an entry here is missing from /openapi.json, which the functional test of the document catches. Entries whose
/// route is not mapped on a host are left out of that host's document.
/// </summary>
internal static class HandWrittenRoutes
{
    public static IReadOnlyList<DocumentedRoute> All { get; } =
    [
        new("post", "/v1/chat/completions", ChatCompletionsStreaming, ExtendsTranscodedRoute: true),
        new("post", "/v1/responses", _ => Simple(
            "OpenAI_CreateResponse", "OpenAI", "OpenAI's Responses API on the hub's chat pipeline: input (a string or message, function_call and function_call_output items), instructions, function tools, text.format, max_output_tokens. With \"stream\": true, the Responses API's semantic events (response.created … response.completed). previous_response_id is refused: the hub stores no responses.",
            Object(("model", String()), ("input", new JsonObject { ["description"] = "A string, or an array of input items." }), ("instructions", String()), ("tools", Array(new JsonObject { ["type"] = "object" })), ("max_output_tokens", Integer()), ("stream", new JsonObject { ["type"] = "boolean" })),
            Object(("id", String()), ("object", Enum("response")), ("status", Enum("completed", "incomplete", "failed")), ("model", String()), ("output", Array(new JsonObject { ["type"] = "object" })), ("usage", Object(("input_tokens", Integer()), ("output_tokens", Integer()), ("total_tokens", Integer())))))),
        new("post", "/v1/completions", _ => Simple(
            "OpenAI_CreateCompletion", "OpenAI", "Legacy text completions on the hub's chat pipeline: the prompt is one user message. With \"stream\": true, text_completion chunks and data: [DONE]. suffix, logprobs, best_of other than n, token prompts and several prompts are refused.",
            Object(("model", String()), ("prompt", new JsonObject { ["description"] = "A string, or an array holding one string." }), ("max_tokens", Integer()), ("echo", new JsonObject { ["type"] = "boolean" }), ("stream", new JsonObject { ["type"] = "boolean" })),
            Object(("id", String()), ("object", Enum("text_completion")), ("model", String()), ("choices", Array(Object(("text", String()), ("index", Integer()), ("finish_reason", String())))), ("usage", Object(("prompt_tokens", Integer()), ("completion_tokens", Integer()), ("total_tokens", Integer())))))),
        new("post", "/v1/messages", _ => Simple(
            "Anthropic_CreateMessage", "Anthropic", "Anthropic's Messages API with any provider behind it: system, messages with text, image, tool_use and tool_result blocks, tools, tool_choice, max_tokens (required), stop_sequences. With \"stream\": true, Anthropic's events (message_start … message_stop). Key as x-api-key or bearer; errors in Anthropic's {type:error, error:{type, message}}.",
            Object(("model", String()), ("max_tokens", Integer()), ("system", new JsonObject { ["description"] = "A string or text blocks." }), ("messages", Array(Object(("role", Enum("user", "assistant")), ("content", new JsonObject { ["description"] = "A string or content blocks." })))), ("tools", Array(new JsonObject { ["type"] = "object" })), ("stream", new JsonObject { ["type"] = "boolean" })),
            Object(("id", String()), ("type", Enum("message")), ("role", Enum("assistant")), ("model", String()), ("content", Array(new JsonObject { ["type"] = "object" })), ("stop_reason", Enum("end_turn", "max_tokens", "tool_use", "refusal")), ("usage", Object(("input_tokens", Integer()), ("output_tokens", Integer())))))),
        new("get", "/__blocklet__.js", Blocklet, Anonymous: true),
        new("post", "/api/v2/chat", AigneChat),
        new("post", Rest.Aigne.CliSignInEndpoint.RoutePrefix, _ => Simple(
            "Aigne_CliSignIn", "AIGNE", "The AIGNE CLI's browser sign-in routes (/.well-known/service/…, any method): always 404 in AIGNE's error shape, saying to set AIGNE_HUB_API_URL and AIGNE_HUB_API_KEY instead.",
            null,
            Object(("error", Object(("message", String()), ("type", String()), ("timestamp", String()))))), Anonymous: true),
        new("get", "/api/v2/status", AigneStatus),
        new("post", "/api/v2/image", _ => Simple(
            "Aigne_Image", "AIGNE", "Image generation, as AIGNEHubImageModel calls it: {input:{prompt, n?, size?, quality?, style?, outputFileType?, modelOptions:{model}}}.",
            Object(("input", Object(("prompt", String()), ("n", Integer()), ("outputFileType", Enum("url", "file")), ("modelOptions", Object(("model", String())))))),
            Object(("images", Array(Object(("type", Enum("url", "file")), ("url", String()), ("data", String()), ("mimeType", String())))), ("model", String()), ("usage", Object(("inputTokens", Integer()), ("outputTokens", Integer())))))),
        new("post", "/api/v2/embeddings", _ => Simple(
            "Aigne_Embeddings", "AIGNE", "Embeddings: {model, input: string | string[]}.",
            Object(("model", String()), ("input", new JsonObject { ["description"] = "A string or an array of strings." })),
            Object(("data", Array(Object(("object", String()), ("index", Integer()), ("embedding", Array(new JsonObject { ["type"] = "number" }))))), ("model", String()), ("usage", Object(("inputTokens", Integer()), ("outputTokens", Integer())))))),
        new("get", "/api/ai/models", _ => Simple(
            "Aigne_ListModels", "AIGNE", "The models a client can call, filtered by ?type=chat|image|embedding; rates are decimal strings.",
            null,
            Array(Object(("model", String()), ("type", Enum("chat", "image", "embedding")), ("provider", String()), ("providerDisplayName", String()), ("input_credits_per_token", String()), ("output_credits_per_token", String()), ("status", Object(("available", new JsonObject { ["type"] = "boolean" })))))), Anonymous: true),
        new("get", "/api/user/info", _ => Simple(
            "Aigne_UserInfo", "AIGNE", "The caller, their credit balance (credits mode) and the payment link.",
            null,
            Object(("user", Object(("did", String()), ("fullName", String()), ("email", String()))), ("creditBalance", new JsonObject { ["type"] = "object", ["description"] = "null unless credits mode is on." }), ("paymentLink", String()), ("enableCredit", new JsonObject { ["type"] = "boolean" }), ("creditPrefix", String())))),
        new("post", Rest.OpenAI.ImageEditsEndpoint.Route, _ => ImageEdits()),
        new("get", "/v1/images/files/{id}", _ => Binary(
            "Images_GetFile", "Images", "A generated image the hub handed out as a link, until the link expires. The random id is the credential.", "image/png"), Anonymous: true),
        new("post", "/api/payments/webhook", _ => Simple(
            "Payments_Webhook", "Billing", "A payment-completed notification signed with HMAC-SHA256 over timestamp + '.' + body; idempotent by payment id.",
            Object(("payment_id", String()), ("user_id", String()), ("credits", String())),
            Object(("granted", new JsonObject { ["type"] = "boolean" }))), Anonymous: true),
        new("get", Rest.Usage.CallExportEndpoint.Route, _ => Binary(
            "Usage_ExportCalls", "Usage", "The call history as CSV (newest first), with the filters of GET /api/usage/calls (from, to, user_id, app_id, provider, model, call_type, status, min_latency_ms); streamed for ranges of any size. Columns: " + Rest.Usage.CallExportEndpoint.Columns + ".", "text/csv")),
        new("get", Rest.Usage.ReportDownloadEndpoint.Route, _ => Binary(
            "Usage_DownloadReport", "Usage", "A stored usage report as a file: ?format=json (default) or csv (columns: " + Rest.Usage.ReportFiles.CsvColumns + "; a section column says which rows are totals, model, provider, top_user, team, error and previous_total). Members may download their own user reports only.", "text/csv")),
        new("get", Hosting.JobsDashboard.Path, _ => Binary(
            "Jobs_Dashboard", "Operations", "Hangfire's dashboard of the hub's scheduled jobs (HTML; admins with admin:read; admin:write may also trigger, retry and delete jobs).", "text/html")),
        new("get", "/metrics", _ => Binary(
            "Metrics_Scrape", "Operations", "Prometheus scrape endpoint (text exposition format). Admins and owners with admin:read, like the other admin reads.", "text/plain")),
        new("get", "/healthz", _ => Health("Liveness: answers while the process serves requests; runs no checks.", "health_live"), Anonymous: true),
        new("get", "/readyz", _ => Health("Readiness: the database answers and the hub's schema is applied.", "health_ready"), Anonymous: true),
        new("get", OpenApiEndpoints.Route, _ => OpenApiDocument(), Anonymous: true),
    ];

    private static JsonObject ChatCompletionsStreaming(ProtoSchemas schemas) => new()
    {
        ["description"] =
            "With \"stream\": true the answer is Server-Sent Events in OpenAI's format: each event's data is one " +
            "chat.completion.chunk, the last one carries usage when stream_options.include_usage is set, and the " +
            "stream ends with `data: [DONE]`. An error after the stream started is sent as a data event holding " +
            "OpenAI's error envelope.",
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["content"] = new JsonObject
                {
                    ["text/event-stream"] = new JsonObject
                    {
                        ["schema"] = new JsonObject { ["type"] = "string", ["description"] = "SSE: `data: <chunk>` events, then `data: [DONE]`." },
                        ["x-sse-data"] = schemas.For(ChatCompletionChunk.Descriptor),
                    },
                },
            },
        },
    };

    private static JsonObject Blocklet(ProtoSchemas schemas) => new()
    {
        ["operationId"] = "Aigne_GetBlocklet",
        ["tags"] = new JsonArray("AIGNE"),
        ["summary"] = "Where the hub component is mounted (the @aigne/aigne-hub client looks it up first).",
        ["parameters"] = new JsonArray(new JsonObject
        {
            ["name"] = "type",
            ["in"] = "query",
            ["description"] = "`json` answers JSON; otherwise a script that sets window.blocklet.",
            ["schema"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("json") },
        }),
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "The blocklet description.",
                ["content"] = new JsonObject
                {
                    ["application/json"] = Media(schemas.Reference("AigneBlocklet", () => Object(
                        ("appName", String()),
                        ("appUrl", String()),
                        ("prefix", String()),
                        ("componentMountPoints", Array(Object(
                            ("did", String()), ("name", String()), ("title", String()), ("mountPoint", String()), ("status", String()))))))),
                    ["application/javascript"] = Media(String()),
                },
            },
        },
    };

    private static JsonObject AigneChat(ProtoSchemas schemas)
    {
        var message = schemas.Reference("AigneChatMessage", () => Object(
            ("role", Enum("system", "user", "agent", "tool")),
            ("content", new JsonObject
            {
                ["description"] = "A string, or parts {\"type\":\"text\",\"text\"}, {\"type\":\"url\",\"url\"}, {\"type\":\"file\",\"data\",\"mimeType\"}.",
            }),
            ("toolCalls", Array(new JsonObject { ["type"] = "object" })),
            ("toolCallId", String())));
        var usage = schemas.Reference("AigneUsage", () => Object(
            ("inputTokens", new JsonObject { ["type"] = "integer" }),
            ("outputTokens", new JsonObject { ["type"] = "integer" }),
            ("cacheReadInputTokens", new JsonObject { ["type"] = "integer" })));
        var request = schemas.Reference("AigneChatRequest", () => Object(
            ("input", Object(
                ("messages", Array(message)),
                ("modelOptions", Object(
                    ("model", new JsonObject { ["type"] = "string", ["description"] = "The hub's model name; a leading `aignehub/` is dropped." }),
                    ("temperature", new JsonObject { ["type"] = "number" }),
                    ("topP", new JsonObject { ["type"] = "number" }),
                    ("frequencyPenalty", new JsonObject { ["type"] = "number" }),
                    ("presencePenalty", new JsonObject { ["type"] = "number" }),
                    ("parallelToolCalls", new JsonObject { ["type"] = "boolean" }),
                    ("maxTokens", new JsonObject { ["type"] = "integer" }))),
                ("tools", Array(new JsonObject { ["type"] = "object" })),
                ("toolChoice", new JsonObject { ["description"] = "auto, none, required, or a tool." }),
                ("responseFormat", new JsonObject { ["type"] = "object", ["description"] = "{\"type\":\"json_schema\",\"jsonSchema\":{name, schema, strict}} answers json instead of text." }))),
            ("options", Object(("streaming", new JsonObject { ["type"] = "boolean" })))));
        var answer = schemas.Reference("AigneChatResponse", () => Object(
            ("text", String()),
            ("json", new JsonObject { ["description"] = "The answer in JSON mode." }),
            ("toolCalls", Array(new JsonObject { ["type"] = "object" })),
            ("model", String()),
            ("modelWithProvider", String()),
            ("usage", usage)));
        var delta = schemas.Reference("AigneChatStreamEvent", () => Object(
            ("delta", Object(
                ("text", Object(("text", String()))),
                ("json", new JsonObject { ["type"] = "object", ["description"] = "Last event: toolCalls, json, model, modelWithProvider, usage." })))));

        return new JsonObject
        {
            ["operationId"] = "Aigne_Chat",
            ["tags"] = new JsonArray("AIGNE"),
            ["summary"] = "Chat, as the @aigne/aigne-hub client calls it.",
            ["description"] = "With options.streaming: Server-Sent Events of text deltas, then one json delta with usage; no [DONE]; a failure after the stream started is an `event: error`.",
            ["requestBody"] = new JsonObject { ["required"] = true, ["content"] = new JsonObject { ["application/json"] = Media(request) } },
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "The answer, or its stream.",
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = Media(answer),
                        ["text/event-stream"] = new JsonObject { ["schema"] = String(), ["x-sse-data"] = delta },
                    },
                },
            },
        };
    }

    private static JsonObject AigneStatus(ProtoSchemas schemas) => new()
    {
        ["operationId"] = "Aigne_GetStatus",
        ["tags"] = new JsonArray("AIGNE"),
        ["summary"] = "Whether the hub, or one model, can take calls (always 200).",
        ["parameters"] = new JsonArray(new JsonObject
        {
            ["name"] = "model",
            ["in"] = "query",
            ["schema"] = String(),
        }),
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "Availability.",
                ["content"] = new JsonObject
                {
                    ["application/json"] = Media(schemas.Reference("AigneStatus", () => Object(
                        ("available", new JsonObject { ["type"] = "boolean" }),
                        ("error", String())))),
                },
            },
        },
    };

    private static JsonObject Health(string summary, string operationId) => new()
    {
        ["operationId"] = operationId,
        ["tags"] = new JsonArray("Health"),
        ["summary"] = summary,
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject { ["description"] = "Healthy", ["content"] = new JsonObject { ["text/plain"] = Media(String()) } },
            ["503"] = new JsonObject { ["description"] = "Unhealthy", ["content"] = new JsonObject { ["text/plain"] = Media(String()) } },
        },
    };

    private static JsonObject OpenApiDocument() => new()
    {
        ["operationId"] = "OpenApi_GetDocument",
        ["tags"] = new JsonArray("OpenAPI"),
        ["summary"] = "This document.",
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "The OpenAPI 3.1 document of this hub's REST routes.",
                ["content"] = new JsonObject { ["application/json"] = Media(new JsonObject { ["type"] = "object" }) },
            },
            ["304"] = new JsonObject { ["description"] = "Not modified (If-None-Match matched the ETag)." },
        },
    };

    private static JsonObject Media(JsonObject schema) => new() { ["schema"] = schema };

    private static JsonObject Integer() => new() { ["type"] = "integer" };

    /// <summary>An operation with an optional JSON body and a JSON answer.</summary>
    private static JsonObject Simple(string operationId, string tag, string summary, JsonObject? request, JsonObject answer)
    {
        var operation = new JsonObject
        {
            ["operationId"] = operationId,
            ["tags"] = new JsonArray(tag),
            ["summary"] = summary,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = Media(answer) } },
            },
        };
        if (request is not null)
        {
            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = new JsonObject { ["application/json"] = Media(request) } };
        }

        return operation;
    }

    private static JsonObject ImageEdits()
    {
        var operation = Simple(
            "Images_Edit", "Images", "OpenAI's image edit (multipart/form-data): image (or several image[]), optional mask, prompt, model, n, size, quality, response_format, user. For models whose provider's API edits (OpenAI gpt-image-*, dall-e-2); others answer 400. The answer is a generation's.",
            null,
            Object(("created", Integer()), ("data", Array(Object(("b64_json", String()), ("url", String()), ("revised_prompt", String())))), ("usage", Object(("input_tokens", Integer()), ("output_tokens", Integer()), ("total_tokens", Integer())))));
        static JsonObject File() => new() { ["type"] = "string", ["format"] = "binary" };
        operation["requestBody"] = new JsonObject
        {
            ["required"] = true,
            ["content"] = new JsonObject
            {
                ["multipart/form-data"] = Media(Object(
                    ("image", File()), ("mask", File()), ("prompt", String()), ("model", String()), ("n", Integer()),
                    ("size", String()), ("quality", String()), ("response_format", Enum("b64_json", "url")), ("user", String()))),
            },
        };
        return operation;
    }

    private static JsonObject Binary(string operationId, string tag, string summary, string mediaType) => new()
    {
        ["operationId"] = operationId,
        ["tags"] = new JsonArray(tag),
        ["summary"] = summary,
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { [mediaType] = Media(String()) } },
        },
    };

    private static JsonObject String() => new() { ["type"] = "string" };

    private static JsonObject Enum(params string[] values) => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
    };

    private static JsonObject Array(JsonObject items) => new() { ["type"] = "array", ["items"] = items };

    private static JsonObject Object(params (string Name, JsonObject Schema)[] properties)
    {
        var result = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            result[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = result };
    }
}
