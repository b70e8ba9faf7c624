namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// Gives every error on the OpenAI routes (/v1/*) OpenAI's envelope. JSON transcoding answers errors with a
/// google.rpc.Status body; this middleware holds back a response whose status is an error, and writes the envelope
/// instead, from the <see cref="HubError"/> the gRPC interceptor left behind or, failing that, from the status body.
/// Successful responses pass straight through without buffering. A JSON body the transcoder refused is read again
/// (the request body is kept as it is read) to name the field at fault (<see cref="RequestJsonDiagnosis"/>).
/// </summary>
internal sealed partial class OpenAIErrorEnvelopeMiddleware(RequestDelegate next, ILogger<OpenAIErrorEnvelopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var bodyMessage = TranscodedRequestBody.Message(context);
        if (bodyMessage is not null)
        {
            // Seekable already when the chat route buffered it; otherwise kept as the transcoder reads it, in pooled
            // memory up to 1 MiB (larger embedding batches spill to a temporary file).
            TranscodedRequestBody.KeepForDiagnosis(context.Request);
        }

        var original = context.Response.Body;
        await using var guard = new ErrorCapturingStream(original, context.Response);
        context.Response.Body = guard;
        var crashed = false;
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogCrashed(logger, ex, context.TraceIdentifier);
            crashed = true;
        }
        finally
        {
            context.Response.Body = original;
        }

        if (crashed)
        {
            context.Response.Clear();
            context.Response.Headers["x-request-id"] = context.TraceIdentifier;
            await OpenAIErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(new InvalidOperationException(), context.TraceIdentifier));
            return;
        }

        if (context.Response.HasStarted || context.Response.StatusCode < 400)
        {
            return;
        }

        var hubRefused = context.Items.TryGetValue(HubError.HttpContextKey, out var stashed) && stashed is HubError;
        if (!hubRefused && Hosting.DeclaredBodyLimitMiddleware.BodyOverLimit(context) is { } tooLarge)
        {
            // A chunked body over the limit: the transcoder calls that unreadable JSON (400); it is 413, as with a declared length.
            await OpenAIErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(tooLarge, context.TraceIdentifier));
            return;
        }

        var error = hubRefused ? (HubError)stashed! : FromResponse(context, guard.CapturedError);

        // Only the transcoder's own refusal of the body is diagnosed: a refusal by the hub says what it means already.
        if (bodyMessage is not null && !hubRefused && error.GrpcStatus == StatusCode.InvalidArgument)
        {
            error = await TranscodedRequestBody.DiagnoseAsync(context.Request, bodyMessage) is { } misfit ? Diagnosed(error, misfit) : error;
        }

        await OpenAIErrorBody.WriteResponseAsync(context, error);
    }

    internal static HubError Diagnosed(HubError refusal, MessageDescriptor message, ReadOnlyMemory<byte> body) =>
        RequestJsonDiagnosis.Diagnose(message, body) is { } misfit ? Diagnosed(refusal, misfit) : refusal;

    private static HubError Diagnosed(HubError refusal, (string? Param, string Message) misfit) =>
        refusal with { Param = misfit.Param, Message = misfit.Param is null ? "We could not parse the JSON body of your request. " + misfit.Message : misfit.Message };

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly at the edge")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string requestId);

    private static HubError FromResponse(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var status = context.Response.StatusCode;
        if (body.Length > 0 && TryReadStatus(body, out var code, out var message))
        {
            var mapped = HubErrorMapper.FromGrpcStatus(code, message);
            return mapped with { HttpStatus = status >= 400 ? status : mapped.HttpStatus };
        }

        var request = context.Request;
        return status switch
        {
            StatusCodes.Status404NotFound => new HubError(status, StatusCode.NotFound, HubErrorMapper.InvalidRequest, "unknown_url", null,
                $"Unknown request URL: {request.Method} {request.Path}. Please check the URL for typos."),
            StatusCodes.Status405MethodNotAllowed => new HubError(status, StatusCode.Unimplemented, HubErrorMapper.InvalidRequest, "method_not_supported", null,
                $"Invalid method for URL ({request.Method} {request.Path})."),
            StatusCodes.Status415UnsupportedMediaType => new HubError(status, StatusCode.InvalidArgument, HubErrorMapper.InvalidRequest, null, null,
                "The request body must be JSON (Content-Type: application/json)."),
            StatusCodes.Status413PayloadTooLarge => new HubError(status, StatusCode.InvalidArgument, HubErrorMapper.InvalidRequest, null, null,
                "The request body is too large for this hub (Hub:MaxRequestBodyBytes)."),
            < 500 => new HubError(status, StatusCode.InvalidArgument, HubErrorMapper.InvalidRequest, null, null, "The request was not accepted."),
            _ => new HubError(status, StatusCode.Internal, HubErrorMapper.ServerError, null, null,
                $"The hub failed to process the request (request id {context.TraceIdentifier})."),
        };
    }

    private static bool TryReadStatus(ReadOnlyMemory<byte> body, out StatusCode code, out string? message)
    {
        code = StatusCode.Unknown;
        message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var codeElement) || !codeElement.TryGetInt32(out var value))
            {
                return false;
            }

            code = (StatusCode)value;
            message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
