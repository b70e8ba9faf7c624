using Google.Api;
using Endpoint = Microsoft.AspNetCore.Http.Endpoint;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace AigneHub.Api.OpenApi;

/// <summary>One HTTP binding of a gRPC method: the method's descriptor and the <c>google.api.http</c> rule it is served under.</summary>
/// <param name="Anonymous">Served without an access key (the method is marked <c>[AllowAnonymous]</c>).</param>
internal sealed record TranscodedRoute(MethodDescriptor Method, HttpRule Rule, bool Anonymous = false)
{
    /// <summary>The routes JSON transcoding actually mapped on this host (one endpoint per binding, additional ones included).</summary>
    public static IReadOnlyList<TranscodedRoute> FromEndpoints(IEnumerable<Endpoint> endpoints) =>
        endpoints
            .Select(e => (Transcoding: e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>(), Anonymous: e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null))
            .Where(e => e.Transcoding is not null)
            .Select(e => new TranscodedRoute(e.Transcoding!.MethodDescriptor, e.Transcoding.HttpRule, e.Anonymous))
            .Distinct()
            .ToList();

    /// <summary>Every binding declared on the services' methods: the rule and its <c>additional_bindings</c>.</summary>
    public static IReadOnlyList<TranscodedRoute> FromServices(IEnumerable<ServiceDescriptor> services) =>
        services
            .SelectMany(s => s.Methods)
            .SelectMany(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is { } rule
                ? new[] { rule }.Concat(rule.AdditionalBindings).Select(r => new TranscodedRoute(m, r))
                : [])
            .ToList();

    /// <summary>The lower-case HTTP method and the path template as the rule writes it, or null when the rule has no pattern.</summary>
    public (string Method, string Template)? Binding => Rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => ("get", Rule.Get),
        HttpRule.PatternOneofCase.Put => ("put", Rule.Put),
        HttpRule.PatternOneofCase.Post => ("post", Rule.Post),
        HttpRule.PatternOneofCase.Delete => ("delete", Rule.Delete),
        HttpRule.PatternOneofCase.Patch => ("patch", Rule.Patch),
        HttpRule.PatternOneofCase.Custom => (Rule.Custom.Kind.ToLowerInvariant(), Rule.Custom.Path),
        _ => null,
    };

    public bool Equals(TranscodedRoute? other) =>
        other is not null && Method.FullName == other.Method.FullName && Rule.Equals(other.Rule);

    public override int GetHashCode() => HashCode.Combine(Method.FullName, Rule);
}
