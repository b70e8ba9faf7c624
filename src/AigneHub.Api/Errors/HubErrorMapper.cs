using AigneHub.Domain.Usage;

namespace AigneHub.Api.Errors;

/// <summary>The single translation from the hub's exceptions to what callers see.</summary>
public static class HubErrorMapper
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";
    public const string UpstreamError = "upstream_error";
    public const string RateLimit = "rate_limit_error";
    public const string InsufficientQuota = "insufficient_quota";
    public const string AuthenticationError = "authentication_error";
    public const string PermissionError = "permission_error";

    public static HubError Map(Exception exception, string requestId) => exception switch
    {
        RequestValidationException validation => new HubError(
            StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, InvalidRequest, null,
            validation.Violations.Count > 0 ? validation.Violations[0].Field : null,
            validation.Message, Violations: validation.Violations),
        ModelNotFoundException notFound => new HubError(
            StatusCodes.Status404NotFound, StatusCode.NotFound, InvalidRequest, "model_not_found", "model", notFound.Message),
        UpstreamException upstream => MapUpstream(upstream),
        ResourceNotFoundException notFound => new HubError(
            StatusCodes.Status404NotFound, StatusCode.NotFound, InvalidRequest, "not_found", notFound.Field, notFound.Message),
        AuthenticationRequiredException unauthenticated => new HubError(
            StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, InvalidRequest, "invalid_api_key", null, unauthenticated.Message),
        PermissionDeniedException denied => new HubError(
            StatusCodes.Status403Forbidden, StatusCode.PermissionDenied, PermissionError, denied.Field == "model" ? "model_not_allowed" : "permission_denied", denied.Field, denied.Message),
        Application.Access.RateLimits.RateLimitExceededException limited => new HubError(
            StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted, RateLimit, "rate_limit_exceeded", null, limited.Message,
            limited.Admission.ResetsIn, Headers: RateLimitHeaders.For(limited.Admission)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new HubError(
            StatusCodes.Status413PayloadTooLarge, StatusCode.InvalidArgument, InvalidRequest, "request_too_large", null,
            "The request body is too large for this hub (Hub:MaxRequestBodyBytes)."),
        BadHttpRequestException bad => new HubError(
            bad.StatusCode, StatusCode.InvalidArgument, InvalidRequest, null, null, "The request could not be read: " + bad.Message),
        ConflictException conflict => new HubError(
            StatusCodes.Status409Conflict, StatusCode.Aborted, "conflict", "conflict", null, conflict.Message),
        InsufficientCreditsException credits => new HubError(
            StatusCodes.Status402PaymentRequired, StatusCode.ResourceExhausted, InsufficientQuota, InsufficientQuota, null,
            credits.PaymentLink is { } link ? $"{credits.Message} Buy credits at {link}" : credits.Message,
            Link: credits.PaymentLink, AigneType: "NOT_ENOUGH"),
        Application.Budgets.BudgetExceededException budget => new HubError(
            StatusCodes.Status402PaymentRequired, StatusCode.ResourceExhausted, InsufficientQuota, "budget_exceeded", null, budget.Message,
            budget.ResetsAt is { } reset ? Max(reset - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1)) : null,
            AigneType: "NOT_ENOUGH", Headers: BudgetHeaders.For(budget.RemainingUsd, budget.ResetsAt)),
        UnauthenticatedException unauthenticated => new HubError(
            StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, AuthenticationError, "unauthenticated", null, unauthenticated.Message),
        ServiceBusyException busy => new HubError(
            StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, ServerError, "hub_busy", null, busy.Message, busy.RetryAfter),
        HubException { Kind: ErrorKind.Cancelled } => Cancelled,
        OperationCanceledException => Cancelled,
        _ when DatabaseSaturation.Matches(exception) => new HubError(
            StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, ServerError, "hub_busy", null, DatabaseSaturation.Message, DatabaseSaturation.RetryAfter),
        _ => new HubError(
            StatusCodes.Status500InternalServerError, StatusCode.Internal, ServerError, null, null,
            $"The hub failed to process the request (request id {requestId})."),
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static readonly HubError Cancelled = new(499, StatusCode.Cancelled, InvalidRequest, "cancelled", null, "The request was cancelled.");

    private static HubError MapUpstream(UpstreamException upstream) => upstream.Kind switch
    {
        ErrorKind.UpstreamAuth => new HubError(
            StatusCodes.Status502BadGateway, StatusCode.Unavailable, UpstreamError, "provider_credential_refused", null, upstream.Message),
        ErrorKind.UpstreamRateLimited => new HubError(
            StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted, RateLimit, "rate_limit_exceeded", null, upstream.Message,
            upstream.RetryAfter),
        ErrorKind.UpstreamTimeout => new HubError(
            StatusCodes.Status504GatewayTimeout, StatusCode.DeadlineExceeded, UpstreamError, "provider_timeout", null, upstream.Message),
        ErrorKind.UpstreamRejected => new HubError(
            StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, InvalidRequest, "provider_rejected_request", null, upstream.Message),
        _ => new HubError(
            StatusCodes.Status502BadGateway, StatusCode.Unavailable, UpstreamError, "provider_unavailable", null, upstream.Message),
    };

    /// <summary>A body that is not JSON at all, located for the client without the parser's internals.</summary>
    public static HubError MalformedJson(System.Text.Json.JsonException ex) =>
        FromGrpcStatus(StatusCode.InvalidArgument, DescribeMalformedJson(ex));

    /// <summary>"The body is not valid JSON (line 1, column 10)." (one-based, as editors count).</summary>
    public static string DescribeMalformedJson(System.Text.Json.JsonException ex) =>
        ex.BytePositionInLine is { } column ? $"The body is not valid JSON (line {ex.LineNumber + 1}, column {column + 1})." : "The body is not valid JSON.";

    /// <summary>Maps a gRPC status that did not come from our interceptor (e.g. transcoding rejecting malformed JSON).</summary>
    public static HubError FromGrpcStatus(StatusCode code, string? message) => code switch
    {
        StatusCode.InvalidArgument => new HubError(
            StatusCodes.Status400BadRequest, code, InvalidRequest, null, null,
            "We could not parse the JSON body of your request. " + (message ?? string.Empty)),
        StatusCode.NotFound => new HubError(StatusCodes.Status404NotFound, code, InvalidRequest, "not_found", null, message ?? "Not found."),
        StatusCode.Unauthenticated => new HubError(StatusCodes.Status401Unauthorized, code, InvalidRequest, "invalid_api_key", null, message ?? "Authentication required."),
        StatusCode.PermissionDenied => new HubError(StatusCodes.Status403Forbidden, code, PermissionError, "permission_denied", null, message ?? "Permission denied."),
        StatusCode.Unimplemented => new HubError(StatusCodes.Status404NotFound, code, InvalidRequest, "unknown_url", null, message ?? "Unknown request URL."),
        _ => new HubError(StatusCodes.Status500InternalServerError, code, ServerError, null, null, "The hub failed to process the request."),
    };
}
