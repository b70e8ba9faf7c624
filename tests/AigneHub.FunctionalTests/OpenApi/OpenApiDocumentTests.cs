using System.Net;
using System.Text.Json;
using AigneHub.Api.OpenApi;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AigneHub.FunctionalTests.OpenApi;

/// <summary>GET /openapi.json on the running host: served anonymously, cacheable, and covering every REST route the host maps.</summary>
[Collection(HubCollection.Name)]
public sealed class OpenApiDocumentTests(HubFixture hub)
{
    [Fact]
    public async Task The_document_is_served_as_cacheable_valid_OpenAPI_3_1_json()
    {
        using var response = await hub.Rest.GetAsync("/openapi.json");
        var (document, diagnostic) = OpenApiDocument.Parse(await response.Content.ReadAsStringAsync(), "json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.NotNull(response.Headers.ETag);
        Assert.Empty(diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task A_client_holding_the_current_version_is_told_it_has_not_changed()
    {
        using var first = await hub.Rest.GetAsync("/openapi.json");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/openapi.json");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var response = await hub.Rest.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Theory]
    [InlineData("any", HttpStatusCode.NotModified)]
    [InlineData("weak", HttpStatusCode.NotModified)]
    [InlineData("stale", HttpStatusCode.OK)]
    public async Task A_conditional_request_is_answered_against_the_current_version(string held, HttpStatusCode expected)
    {
        using var first = await hub.Rest.GetAsync("/openapi.json");
        var current = first.Headers.ETag!;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi.json");
        request.Headers.IfNoneMatch.Add(held switch
        {
            "any" => System.Net.Http.Headers.EntityTagHeaderValue.Any,
            "weak" => new System.Net.Http.Headers.EntityTagHeaderValue(current.Tag, isWeak: true),
            _ => new System.Net.Http.Headers.EntityTagHeaderValue("\"0000000000000000\""),
        });

        using var response = await hub.Rest.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(current.Tag, response.Headers.ETag?.Tag);
        Assert.True(response.Headers.CacheControl?.Public);
    }

    [Fact]
    public async Task Every_REST_route_the_host_maps_is_in_the_document()
    {
        using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync("/openapi.json"));
        var paths = document.RootElement.GetProperty("paths");
        var routes = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(RestRoute)
            .OfType<(string Path, string[] Methods)>()
            .ToList();

        var missing = routes
            .Where(route => !paths.TryGetProperty(route.Path, out var item)
                || !(route.Methods.Length == 0 ? item.EnumerateObject().Any() : route.Methods.All(m => item.TryGetProperty(m, out _))))
            .Select(route => $"{string.Join(",", route.Methods)} {route.Path}")
            .ToList();

        Assert.Contains(routes, r => r.Path == "/v1/chat/completions");
        Assert.Contains(routes, r => r.Path == "/api/v2/chat");
        Assert.True(missing.Count == 0, "Mapped but not in /openapi.json (add a google.api.http rule or a HandWrittenRoutes entry): " + string.Join("; ", missing));
    }

    [Fact]
    public async Task A_transcoded_route_served_without_a_key_says_so_and_the_others_need_one()
    {
        using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync("/openapi.json"));
        var paths = document.RootElement.GetProperty("paths");

        var catalogue = paths.GetProperty("/api/hub/models").GetProperty("get");
        var user = paths.GetProperty("/api/hub/user").GetProperty("get");

        Assert.Equal(0, catalogue.GetProperty("security").GetArrayLength());
        Assert.False(user.TryGetProperty("security", out _));
        Assert.True(paths.TryGetProperty("/api/hub/status", out _));
    }

    /// <summary>The REST path and lower-case methods of an endpoint, or null for null for a native gRPC endpoint.</summary>
    private static (string Path, string[] Methods)? RestRoute(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { } transcoded)
        {
            var binding = new TranscodedRoute(transcoded.MethodDescriptor, transcoded.HttpRule).Binding!.Value;
            return (OpenApiDocumentGenerator.ToOpenApiPath(binding.Template), [binding.Method]);
        }

        // Native gRPC methods, and the catch-alls that answer UNIMPLEMENTED for unknown gRPC methods, are not REST.
        if (endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null
            || endpoint.RoutePattern.Parameters.Any(p => p.ParameterPolicies.Any(policy => policy.Content == "grpcunimplemented")))
        {
            return null;
        }

        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Select(m => m.ToLowerInvariant()).ToArray() ?? [];

        // A catch-all under a documented root (the jobs dashboard's pages) is documented by that root.
        var path = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');
        var catchAll = path.IndexOf("/{**", StringComparison.Ordinal);
        return (catchAll > 0 ? path[..catchAll] : path, methods);
    }
}
