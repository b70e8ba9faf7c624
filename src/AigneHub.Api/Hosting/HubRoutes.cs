using AigneHub.Api.OpenApi;
using AigneHub.Api.Rest.Aigne;
using AigneHub.Api.Rest.Payments;
using AigneHub.Api.Rest.Usage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace AigneHub.Api.Hosting;

/// <summary>
/// The hub's route table: every route it answers, in one list. Each surface maps its routes in one way, an extension
/// method on <see cref="IEndpointRouteBuilder"/> (a gRPC service with <c>MapGrpcService</c>, whose HTTP rules JSON
/// transcoding maps as REST routes too; a hand-written REST surface with its own <c>MapXxx</c>).
/// <para>
/// Two routes are answered by middleware before their endpoint runs, and are listed here for that reason:
/// <c>POST /v1/chat/completions</c> with a JSON body is written by <see cref="ChatCompletionsMiddleware"/> (ADR 0017:
/// proto3 JSON cannot write OpenAI's chat answer, and the hot path builds no protobuf response), while its endpoint is
/// the transcoded <c>Inference/CreateChatCompletion</c> mapped below (which answers, and refuses, any other body);
/// the web console's files and <c>/console.json</c> are served by <see cref="WebConsole"/> (no key is asked for them).
/// </para>
/// </summary>
internal static class HubRoutes
{
    public static WebApplication MapHubRoutes(this WebApplication app)
    {
        // OpenAI-compatible inference (/v1). POST /v1/chat/completions: ChatCompletionsMiddleware for JSON bodies,
        // else the transcoded Inference/CreateChatCompletion; POST /api/inference/chat/completions:stream is transcoded.
        app.MapGrpcService<InferenceService>();
        app.MapTranslatedChat(); // POST /v1/responses, /v1/completions, /v1/messages (Anthropic)
        app.MapGrpcService<EmbeddingsService>();
        app.MapGrpcService<ImagesService>();
        app.MapImageEdits();
        app.MapImageFiles();
        app.MapGrpcService<ModelsService>();

        // The AIGNE-native routes (/api/v2/*, /__blocklet__.js, /api/user/info, /api/ai/models, the CLI's sign-in).
        app.MapAigne();

        // Usage, reports and audit.
        app.MapGrpcService<UsageService>();
        app.MapCallExport();
        app.MapReportDownload();
        app.MapGrpcService<AuditService>();

        // Administration and the caller's own account.
        app.MapGrpcService<ProviderAdminService>();
        app.MapGrpcService<SecretsAdminService>();
        app.MapGrpcService<BudgetsService>();
        app.MapGrpcService<TeamsService>();
        app.MapGrpcService<HubService>();
        app.MapGrpcService<BillingAdminService>();
        app.MapGrpcService<CreditAdminService>();
        app.MapGrpcService<UserCreditService>();
        app.MapGrpcService<AccessAdminService>();
        app.MapGrpcService<MyAccessKeysService>();
        app.MapGrpcService<CacheAdminService>();
        app.MapPaymentWebhook();
        app.MapJobsDashboard();

        // Description, operation and health.
        app.MapOpenApiDocument();
        app.MapGrpcReflectionService();
        app.MapHealth();
        app.MapMetrics();
        return app;
    }

    private static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // gRPC health for the whole server reports the readiness checks. Live: the process answers. Ready: it can serve
        // calls (database reachable, schema applied).
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(Infrastructure.HealthTags.Ready),
            ResponseWriter = ReadinessWriter.WriteAsync,
        }).AllowAnonymous();
        return app;
    }
}
