namespace AigneHub.Api.Errors;

/// <summary>
/// One failure described once for every surface: the HTTP status and OpenAI-style type/code/param for REST, the gRPC
/// status code for gRPC. The message is always safe to show. <see cref="AigneType"/> and <see cref="Link"/> are what the
/// AIGNE-native surface (/api/v2) shows as "type" and "link" where it differs from OpenAI's type (e.g. "NOT_ENOUGH" with
/// the payment link for a refusal for credits).
/// </summary>
public sealed record HubError(
    int HttpStatus,
    StatusCode GrpcStatus,
    string Type,
    string? Code,
    string? Param,
    string Message,
    TimeSpan? RetryAfter = null,
    IReadOnlyList<Application.Errors.FieldViolation>? Violations = null,
    string? Link = null,
    string? AigneType = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>The HttpContext.Items key under which the gRPC interceptor leaves the error for the REST edge.</summary>
    public static readonly object HttpContextKey = new();
}
