using Grpc.Core;

namespace AigneHub.Api.Errors;

/// <summary>
/// One failure described once for every surface: the HTTP status and OpenAI-style type/code/param for REST, the gRPC
/// status code for gRPC. The message is always safe to show.
/// </summary>
public sealed record HubError(
    int HttpStatus,
    StatusCode GrpcStatus,
    string Type,
    string? Code,
    string? Param,
    string Message,
    TimeSpan? RetryAfter = null,
    IReadOnlyList<Application.Common.Errors.FieldViolation>? Violations = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>The HttpContext.Items key under which the gRPC interceptor leaves the error for the REST edge.</summary>
    public static readonly object HttpContextKey = new();
}
