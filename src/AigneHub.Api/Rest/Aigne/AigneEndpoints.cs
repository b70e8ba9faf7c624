using AigneHub.Application.Providers.Queries.GetHubStatus;

namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// The AIGNE-native routes the <c>@aigne/aigne-hub</c> client and the AIGNE CLI call: the blocklet description that
/// tells the client where the hub component is mounted, the chat call and the availability check.
/// </summary>
internal static class AigneEndpoints
{
    /// <summary>The component DID the AIGNE client looks for in the blocklet's mount points.</summary>
    public const string ComponentDid = "z8ia3xzq2tMq8CRHfaXj1BTYJyYnEcHbqP8cJ";

    public static IEndpointRouteBuilder MapAigne(this IEndpointRouteBuilder app)
    {
        // Discovery comes before the client has a key.
        app.MapGet("/__blocklet__.js", WriteBlockletAsync).AllowAnonymous();
        var inference = new Identity.HubAccessAttribute(Domain.Access.KeyScopes.Inference);
        app.MapPost("/api/v2/chat", (HttpContext context, AigneChatEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(inference);
        app.MapGet("/api/v2/status", StatusAsync);
        app.MapGet("/api/user/info", (HttpContext context, AigneUserInfoEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapPost("/api/v2/image", (HttpContext context, AigneMediaEndpoints endpoints) => endpoints.ImageAsync(context)).WithMetadata(inference);
        app.MapPost("/api/v2/embeddings", (HttpContext context, AigneMediaEndpoints endpoints) => endpoints.EmbeddingsAsync(context)).WithMetadata(inference);
        // Public like the model catalogue of a hosted hub: the AIGNE client's models() sends no key.
        app.MapGet("/api/ai/models", (HttpContext context, AigneMediaEndpoints endpoints) => endpoints.ModelsAsync(context)).AllowAnonymous();
        app.MapCliSignIn();
        return app;
    }

    /// <summary>
    /// With <c>?type=json</c> the blocklet's description as JSON (the client reads <c>componentMountPoints</c>);
    /// otherwise the same as a script that sets <c>window.blocklet</c>, as a blocklet server serves it to browsers.
    /// </summary>
    private static async Task WriteBlockletAsync(HttpContext context)
    {
        var request = context.Request;
        var appUrl = $"{request.Scheme}://{request.Host}";
        var asJson = string.Equals(request.Query["type"], "json", StringComparison.OrdinalIgnoreCase);
        var response = context.Response;
        response.ContentType = asJson ? "application/json" : "application/javascript";
        if (!asJson)
        {
            await response.WriteAsync("window.blocklet = ");
        }

        await using (var json = new Utf8JsonWriter(response.BodyWriter, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("appName", "AIGNE Hub");
            json.WriteString("appUrl", appUrl);
            json.WriteString("prefix", "/");
            json.WriteStartArray("componentMountPoints");
            json.WriteStartObject();
            json.WriteString("did", ComponentDid);
            json.WriteString("name", "ai-kit");
            json.WriteString("title", "AIGNE Hub");
            json.WriteString("mountPoint", "/");
            json.WriteString("status", "running");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        if (!asJson)
        {
            await response.WriteAsync(";");
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// Whether the hub can take calls: some provider is ready, or with <c>?model=</c> whether that model routes to one.
    /// Answers <c>{"available": bool, "error"?: string}</c> with status 200 either way, as AIGNE clients expect: a model
    /// name the query refuses is an unavailable model here, not a 400.
    /// </summary>
    private static async Task<IResult> StatusAsync(HttpContext context, IMediator mediator)
    {
        var model = context.Request.Query["model"].ToString();
        try
        {
            var status = await mediator.Send(new GetHubStatusQuery(model), context.RequestAborted);
            return Results.Json(new StatusAnswer(status.Available, status.Error));
        }
        catch (RequestValidationException)
        {
            return Results.Json(new StatusAnswer(false, $"'{model}' is not a valid model name"));
        }
    }

    private sealed record StatusAnswer(
        [property: System.Text.Json.Serialization.JsonPropertyName("available")] bool Available,
        [property: System.Text.Json.Serialization.JsonPropertyName("error"), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Error);
}
