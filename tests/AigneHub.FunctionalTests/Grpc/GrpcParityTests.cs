using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Grpc;

/// <summary>
/// Every REST operation has a gRPC method. Transcoded routes are gRPC methods by construction; a route mapped by hand
/// needs a listed gRPC twin (which the host must really serve) or a listed exemption that says why it has none.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class GrpcParityTests(HubFixture hub)
{
    /// <summary>Hand-written REST routes ("METHOD /path") and the gRPC methods that do the same.</summary>
    private static readonly Dictionary<string, string[]> Twins = new(StringComparer.Ordinal)
    {
        ["GET /api/v2/status"] = ["/aignehub.v1.Hub/GetHubStatus"],
        ["GET /api/user/info"] = ["/aignehub.v1.Hub/GetUserInfo"],
        ["GET /api/ai/models"] = ["/aignehub.v1.Hub/ListModelCatalogue"],
        // AIGNE's own body and SSE shapes over the hub's chat, image and embedding use cases.
        ["POST /api/v2/chat"] = ["/aignehub.v1.Inference/CreateChatCompletion", "/aignehub.v1.Inference/StreamChatCompletion"],
        ["POST /api/v2/image"] = ["/aignehub.v1.Images/GenerateImages"],
        ["POST /api/v2/embeddings"] = ["/aignehub.v1.Embeddings/CreateEmbeddings"],
        // OpenAI's Responses and legacy completions and Anthropic's Messages bodies and events over the hub's chat.
        ["POST /v1/responses"] = ["/aignehub.v1.Inference/CreateChatCompletion", "/aignehub.v1.Inference/StreamChatCompletion"],
        ["POST /v1/completions"] = ["/aignehub.v1.Inference/CreateChatCompletion", "/aignehub.v1.Inference/StreamChatCompletion"],
        ["POST /v1/messages"] = ["/aignehub.v1.Inference/CreateChatCompletion", "/aignehub.v1.Inference/StreamChatCompletion"],
        // OpenAI's multipart edit; transcoding has no multipart, so the twin takes the images as bytes.
        ["POST /v1/images/edits"] = ["/aignehub.v1.Images/EditImages"],
    };

    /// <summary>Hand-written REST routes with no gRPC twin, and why none is needed.</summary>
    private static readonly Dictionary<string, string> Exemptions = new(StringComparer.Ordinal)
    {
        ["GET /v1/images/files/{id}"] = "an image link handed out in a URL for browsers and <img> tags: bytes over HTTP GET, not an operation",
        ["POST /api/payments/webhook"] = "called by the payment provider, HMAC-signed over the raw body; no internal service calls it",
        ["GET /api/usage/calls:export"] = "a streamed CSV file download; gRPC reads the same calls page by page with Usage/ListCalls",
        ["GET /api/usage/reports/{id}/download"] = "a report as a file (JSON or CSV) for a browser; gRPC reads it with Usage/GetUsageReport",
        ["* /metrics"] = "Prometheus' scrape endpoint, in its own text format",
        ["* /admin/jobs"] = "Hangfire's HTML dashboard for people",
        ["* /healthz"] = "liveness probe for orchestrators; gRPC has grpc.health.v1.Health",
        ["* /readyz"] = "readiness probe for orchestrators; gRPC has grpc.health.v1.Health",
        ["GET /openapi.json"] = "the description of the REST routes themselves",
        ["* /v1/messages"] = "Anthropic's 404 for what the hub does not serve under /v1/messages (count_tokens, batches): no operation",
        ["GET /__blocklet__.js"] = "the AIGNE client's discovery of the mount point, before it knows the hub's API",
        ["* /.well-known/service"] = "the AIGNE CLI's browser sign-in, which this hub answers with a 404 saying to use an access key instead",
    };

    [Fact]
    public void Every_hand_written_REST_route_has_a_gRPC_twin_or_a_stated_exemption()
    {
        var endpoints = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var grpcMethods = endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var handWritten = endpoints.Select(HandWrittenRoute).OfType<string>().Distinct().ToList();

        var unaccounted = handWritten.Where(r => !Twins.ContainsKey(r) && !Exemptions.ContainsKey(r)).ToList();
        var missingTwins = Twins
            .SelectMany(t => t.Value.Where(m => !grpcMethods.Contains(m)).Select(m => $"{t.Key} → {m}"))
            .ToList();
        var staleTwins = Twins.Keys.Where(r => !handWritten.Contains(r)).ToList();

        Assert.Contains("GET /api/v2/status", handWritten);
        Assert.Contains("/aignehub.v1.Hub/GetHubStatus", grpcMethods);
        Assert.True(unaccounted.Count == 0, "Hand-written REST routes without a gRPC twin or a stated exemption (add a gRPC method with a google.api.http rule, or a row in this test): " + string.Join("; ", unaccounted));
        Assert.True(missingTwins.Count == 0, "Listed gRPC twins the host does not serve: " + string.Join("; ", missingTwins));
        Assert.True(staleTwins.Count == 0, "Listed routes the host no longer maps by hand: " + string.Join("; ", staleTwins));
    }

    /// <summary>"METHOD /path" of a route mapped by hand ("*" for any method); null for gRPC and transcoded endpoints.</summary>
    private static string? HandWrittenRoute(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not null
            || endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null
            || endpoint.RoutePattern.Parameters.Any(p => p.ParameterPolicies.Any(policy => policy.Content == "grpcunimplemented")))
        {
            return null;
        }

        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
        var path = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');

        // A catch-all (the jobs dashboard's pages) belongs to its root.
        var catchAll = path.IndexOf("/{**", StringComparison.Ordinal);
        return $"{(methods.Count == 0 ? "*" : string.Join(",", methods.Order(StringComparer.Ordinal)))} {(catchAll > 0 ? path[..catchAll] : path)}";
    }
}
