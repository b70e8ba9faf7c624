namespace AigneHub.Api.Identity;

/// <summary>
/// Writes a refusal made before the request reached its handler, in the shape its surface speaks: gRPC status
/// (trailers-only), OpenAI's envelope on /v1, AIGNE's on /api/v2, google.rpc.Status on the transcoded routes.
/// </summary>
internal static class AccessRefusalWriter
{
    public static async Task WriteAsync(HttpContext context, HubError error)
    {
        var response = context.Response;
        response.Headers["x-request-id"] = context.TraceIdentifier;
        if (error.HttpStatus == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var request = context.Request;
        if (request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true && !request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            // A trailers-only gRPC response: HTTP 200 with the status in the headers.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)error.GrpcStatus).ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Grpc.GrpcMessageEncoding.Encode(error.Message);
            await response.CompleteAsync();
            return;
        }

        if (Rest.Anthropic.AnthropicErrorBody.IsAnthropicRoute(request.Path))
        {
            await Rest.Anthropic.AnthropicErrorBody.WriteResponseAsync(context, error);
            return;
        }

        if (request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            await OpenAIErrorBody.WriteResponseAsync(context, error);
            return;
        }

        if (request.Path.StartsWithSegments("/api/v2", StringComparison.Ordinal))
        {
            await Rest.Aigne.AigneErrorBody.WriteResponseAsync(context, error, TimeProvider.System);
            return;
        }

        response.StatusCode = error.HttpStatus;
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body, OpenAIErrorBody.WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("code", (int)error.GrpcStatus);
        json.WriteString("message", error.Message);
        json.WriteStartArray("details");
        if (error.Code is not null)
        {
            json.WriteStartObject();
            json.WriteString("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            json.WriteString("reason", error.Code);
            json.WriteString("domain", "aignehub");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();

        await json.FlushAsync(context.RequestAborted);
    }
}
