using AigneHub.Api.Rest.Anthropic;

namespace AigneHub.Api.Rest;

/// <summary>
/// The chat surfaces translated from other wire formats onto the hub's chat commands: OpenAI's Responses API and legacy
/// completions, and Anthropic's Messages API. Each needs the inference scope, like every model call.
/// </summary>
internal static class TranslatedChatRoutes
{
    public static IServiceCollection AddTranslatedChat(this IServiceCollection services) => services
        .AddSingleton<ResponsesEndpoint>()
        .AddSingleton<CompletionsEndpoint>()
        .AddSingleton<AnthropicMessagesEndpoint>();

    public static IEndpointRouteBuilder MapTranslatedChat(this IEndpointRouteBuilder app)
    {
        var inference = new Identity.HubAccessAttribute(Domain.Access.KeyScopes.Inference);
        app.MapPost(ResponsesEndpoint.Route, (HttpContext context, ResponsesEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(inference);
        app.MapPost(CompletionsEndpoint.Route, (HttpContext context, CompletionsEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(inference);
        app.MapPost(AnthropicErrorBody.Route, (HttpContext context, AnthropicMessagesEndpoint endpoint) => endpoint.HandleAsync(context)).WithMetadata(inference);

        // What else an Anthropic client may ask under /v1/messages (count_tokens, batches) is not served: said in its shape.
        app.Map(AnthropicErrorBody.Route + "/{**rest}", (HttpContext context) => AnthropicErrorBody.WriteResponseAsync(context, new Errors.HubError(
            StatusCodes.Status404NotFound, global::Grpc.Core.StatusCode.NotFound, Errors.HubErrorMapper.InvalidRequest, "unknown_url", null,
            $"Unknown request URL: {context.Request.Method} {context.Request.Path}. This hub serves POST {AnthropicErrorBody.Route} only.")));
        return app;
    }
}
