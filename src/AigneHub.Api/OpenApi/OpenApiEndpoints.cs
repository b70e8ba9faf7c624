using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.Net.Http.Headers;

namespace AigneHub.Api.OpenApi;

/// <summary>GET /openapi.json: the hub's OpenAPI document, generated from what this host maps on first request, then cached.</summary>
internal static class OpenApiEndpoints
{
    public const string Route = "/openapi.json";

    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, Serve).AllowAnonymous();
        return app;
    }

    /// <summary>The file result sets the ETag and answers 304 to a matching <c>If-None-Match</c> (weak comparison, <c>*</c> too).</summary>
    private static IResult Serve(HttpContext context, OpenApiDocumentCache cache)
    {
        var document = cache.Get();
        context.Response.GetTypedHeaders().CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromMinutes(5) };
        return Results.Bytes(document.Json, "application/json", entityTag: document.ETag);
    }
}

/// <summary>
/// The document is built once, on first request, when every endpoint is mapped: from the endpoints JSON transcoding
/// created (each with its method descriptor and HTTP rule) and the hand-written routes mapped on this host.
/// </summary>
internal sealed class OpenApiDocumentCache(EndpointDataSource endpoints)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly Lazy<CachedDocument> _document = new(() => Build(endpoints.Endpoints));

    public CachedDocument Get() => _document.Value;

    public static CachedDocument Build(IReadOnlyList<Endpoint> endpoints)
    {
        var transcoded = TranscodedRoute.FromEndpoints(endpoints);
        var mapped = endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is null)
            .ToList();
        var handWritten = HandWrittenRoutes.All.Where(route => route.ExtendsTranscodedRoute || mapped.Any(e => Serves(e, route))).ToList();
        var version = typeof(OpenApiEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";
        var json = JsonSerializer.SerializeToUtf8Bytes(OpenApiDocumentGenerator.Generate(transcoded, handWritten, version, ProtoComments.FromEmbeddedProtos()), Indented);
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(json))[..16]}\"");
        return new CachedDocument(json, etag);
    }

    /// <summary>
    /// Whether the endpoint serves the documented route (an endpoint without method metadata serves every method; a
    /// catch-all route, like the jobs dashboard's pages, is documented by its root).
    /// </summary>
    private static bool Serves(RouteEndpoint endpoint, DocumentedRoute route) =>
        string.Equals(RootOf("/" + endpoint.RoutePattern.RawText?.TrimStart('/')), route.Path, StringComparison.Ordinal)
        && (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods
            || methods.HttpMethods.Contains(route.Method, StringComparer.OrdinalIgnoreCase));

    private static string RootOf(string path) => path.IndexOf("/{**", StringComparison.Ordinal) is > 0 and var at ? path[..at] : path;
}

internal sealed record CachedDocument(byte[] Json, EntityTagHeaderValue ETag);
