using AigneHub.Api.OpenApi;
using AigneHub.Api.Rest.Aigne;

namespace AigneHub.Api.Hosting;

/// <summary>The presentation layer's services and request pipeline: gRPC with JSON transcoding, the REST edges, health; the routes are in <see cref="HubRoutes"/>.</summary>
internal static class PresentationRegistration
{
    public static IServiceCollection AddPresentation(this IServiceCollection services)
    {
        // The contract mappings are compiled (and validated) once, here, rather than on each pair's first call.
        ContractMapping.EnsureCompiled();

        // gRPC's own message limit follows the largest body the hub takes (chat with inline images); the per-route body
        // limits (DeclaredBodyLimitMiddleware) keep every other route at Hub:MaxRequestBodyBytes.
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<HubEndpointsOptions>>((grpc, hub) => grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, hub.Value.MaxImageRequestBodyBytes));
        services.AddGrpc(options =>
        {
            options.Interceptors.Add<ErrorTranslationInterceptor>();
            options.EnableDetailedErrors = false;
        })
        .AddJsonTranscoding(options =>
        {
            // OpenAI's "created" is a JSON number; proto3 JSON would write int64 as a string.
            options.JsonSettings.WriteInt64sAsStrings = false;

            // Error details the interceptor attaches must be known to the JSON writer of google.rpc.Status bodies.
            options.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
                Google.Rpc.BadRequest.Descriptor, Google.Rpc.ErrorInfo.Descriptor);
        });
        services.AddHttpContextAccessor();
        services.AddSingleton<ICallerContext, HttpCallerContext>();
        services.AddSingleton<AigneHub.Application.Abstractions.ICacheRequestContext, Caching.HttpCacheRequestContext>();
        services.AddSingleton<Application.Budgets.IBudgetNotices, Errors.HttpBudgetNotices>();
        services.AddSingleton<AigneChatEndpoint>();
        services.AddSingleton<AigneMediaEndpoints>();
        services.AddSingleton<AigneUserInfoEndpoint>();
        services.AddTranslatedChat();
        services.AddOptions<ImageLinkOptions>().BindConfiguration(ImageLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RestRoot>();
        services.AddOptions<WebConsoleOptions>().BindConfiguration(WebConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Rest.Payments.PaymentWebhookOptions>()
            .BindConfiguration(Rest.Payments.PaymentWebhookOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<OpenApiDocumentCache>();
        services.AddOptions<IpRuleOptions>().BindConfiguration(IpRuleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClientAddressRules>();
        services.AddSingleton<AigneHub.Application.Abstractions.IRequestOrigin, HttpRequestOrigin>();
        services.AddBrowserOrigins();
        services.AddGrpcReflectionWithErrorDetails();
        // gRPC health for the whole server (the empty service name) reports the readiness checks: database reachable, schema applied.
        services.AddGrpcHealthChecks(options => options.Services.Map(string.Empty, r => r.Tags.Contains(Infrastructure.HealthTags.Ready)));
        services.AddHealthChecks();
        return services;
    }

    /// <summary>The request pipeline in front of the routes (<see cref="HubRoutes"/> lists the routes).</summary>
    public static WebApplication UsePresentation(this WebApplication app)
    {
        app.UseMiddleware<ResponseHeadersMiddleware>();
        // The web console's files at / (no endpoint matches them, so no key is asked for a page that has none yet).
        app.UseWebConsole();
        app.UseMiddleware<DeclaredBodyLimitMiddleware>();
        app.UseMiddleware<Errors.DatabaseSaturationMiddleware>();

        // Browser preflights carry no credential: answered before authentication, for the configured origins only.
        app.UseBrowserOrigins();

        // Who is calling, and may they, before any body is read (the streaming route reads it itself).
        app.UseMiddleware<CallerAuthenticationMiddleware>();
        // A malformed gRPC request message is INVALID_ARGUMENT, not gRPC's UNKNOWN with an Error in the log.
        app.UseMiddleware<GrpcRequestFrameMiddleware>();
        // Answers POST /v1/chat/completions with a JSON body (listed in HubRoutes; ADR 0017).
        app.UseMiddleware<ChatCompletionsMiddleware>();
        // Anthropic's surface under /v1 answers errors in Anthropic's own body, not OpenAI's envelope.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) && !Rest.Anthropic.AnthropicErrorBody.IsAnthropicRoute(context.Request.Path),
            branch => branch.UseMiddleware<OpenAIErrorEnvelopeMiddleware>());
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal),
            branch => branch.UseMiddleware<TranscodingBodyErrorMiddleware>());

        return app;
    }
}
