namespace AigneHub.Api.OpenApi;

/// <summary>
/// The OpenAPI description of a route that is not a transcoded gRPC method (a hand-written endpoint), or of what a
/// hand-written edge adds to a transcoded one (<see cref="ExtendsTranscodedRoute"/>: the SSE answer of
/// <c>POST /v1/chat/completions</c> with <c>"stream": true</c>).
/// </summary>
/// <param name="Method">Lower-case HTTP method.</param>
/// <param name="Path">The route as mapped (and as it appears in the document).</param>
/// <param name="Operation">Builds the OpenAPI operation object; component schemas go through the given registry.</param>
/// <param name="Anonymous">Served without an access key.</param>
/// <param name="ExtendsTranscodedRoute">Merged into the transcoded operation of the same method and path instead of standing alone.</param>
internal sealed record DocumentedRoute(
    string Method,
    string Path,
    Func<ProtoSchemas, JsonObject> Operation,
    bool Anonymous = false,
    bool ExtendsTranscodedRoute = false);
