namespace AigneHub.Api.Rest.Anthropic;

/// <summary>
/// Anthropic's error body, <c>{"type":"error","error":{"type","message"}}</c>, with Anthropic's error type for the
/// status (invalid_request_error, authentication_error, billing_error, permission_error, not_found_error,
/// request_too_large, rate_limit_error, timeout_error, overloaded_error, api_error), so the Anthropic SDK raises its
/// typed errors. The same object is the data of a stream's <c>event: error</c>.
/// </summary>
internal static class AnthropicErrorBody
{
    public const string Route = "/v1/messages";

    public static string TypeFor(HubError error) => error.HttpStatus switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        504 => "timeout_error",
        _ => "api_error",
    };

    public static void Write(Utf8JsonWriter json, HubError error)
    {
        json.WriteStartObject();
        json.WriteString("type", "error");
        json.WriteStartObject("error");
        json.WriteString("type", TypeFor(error));
        json.WriteString("message", error.Param is { } param && !error.Message.Contains(param, StringComparison.Ordinal) ? $"{param}: {error.Message}" : error.Message);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes a whole error response (status, headers and body); only valid before the response has started.</summary>
    public static async Task WriteResponseAsync(HttpContext context, HubError error)
    {
        var response = context.Response;
        OpenAIErrorBody.PrepareResponse(response, error);
        response.Headers["request-id"] = context.TraceIdentifier;
        await using (var json = new Utf8JsonWriter(response.BodyWriter, OpenAIErrorBody.WriterOptions))
        {
            Write(json, error);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Whether a request is for Anthropic's surface, whose errors take this shape.</summary>
    public static bool IsAnthropicRoute(PathString path) => path.StartsWithSegments(Route, StringComparison.Ordinal);
}
