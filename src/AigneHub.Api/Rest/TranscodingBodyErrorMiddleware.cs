namespace AigneHub.Api.Rest;

/// <summary>
/// On the transcoded routes outside /v1 (the admin, usage and billing APIs), a JSON body the transcoder cannot read
/// is refused with transcoding's <c>google.rpc.Status</c> shape but without its bare "Request JSON payload is not
/// correctly formatted.": the message names the field at fault and a <c>google.rpc.BadRequest</c> field violation
/// carries its path, as a validation failure does. A refusal for credits keeps the hub's 402: transcoding would send
/// RESOURCE_EXHAUSTED as 429, which tells a client to slow down and retry, not to buy credits (the body, a
/// <c>google.rpc.Status</c> with the same message as over gRPC, is kept). Every other response passes through untouched
/// (errors are held only until their status is known, successes not at all).
/// </summary>
internal sealed class TranscodingBodyErrorMiddleware(RequestDelegate next)
{
    private const string BadRequestType = "type.googleapis.com/google.rpc.BadRequest";

    public async Task InvokeAsync(HttpContext context)
    {
        if (TranscodedRequestBody.Message(context) is not { } bodyMessage)
        {
            await next(context);
            return;
        }

        TranscodedRequestBody.KeepForDiagnosis(context.Request);
        var response = context.Response;
        var original = response.Body;
        await using var guard = new ErrorCapturingStream(original, response);
        response.Body = guard;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        var captured = guard.CapturedError;
        if (captured.IsEmpty)
        {
            return;
        }

        if (context.Items.TryGetValue(HubError.HttpContextKey, out var stashed) && stashed is HubError { HttpStatus: StatusCodes.Status402PaymentRequired }
            && !response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status402PaymentRequired;
        }

        // Only the transcoder's own refusal of the body: a refusal by the hub left its HubError behind.
        var transcoderRefused = response.StatusCode == StatusCodes.Status400BadRequest && !context.Items.ContainsKey(HubError.HttpContextKey);
        if (transcoderRefused && Hosting.DeclaredBodyLimitMiddleware.BodyOverLimit(context) is { } tooLarge)
        {
            // A chunked body over the limit, which the transcoder calls unreadable JSON: 413, as with a declared length.
            response.ContentLength = null;
            await Identity.AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(tooLarge, context.TraceIdentifier));
            return;
        }

        if (transcoderRefused
            && await TranscodedRequestBody.DiagnoseAsync(context.Request, bodyMessage) is { } misfit)
        {
            response.ContentLength = null;
            response.ContentType = "application/json; charset=utf-8";
            WriteStatus(response.BodyWriter, misfit.Param, misfit.Message);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
            return;
        }

        await original.WriteAsync(captured, context.RequestAborted);
    }

    /// <summary>google.rpc.Status as transcoding writes it: INVALID_ARGUMENT, and a BadRequest field violation when a field is named.</summary>
    private static void WriteStatus(System.Buffers.IBufferWriter<byte> output, string? field, string message)
    {
        using var json = new Utf8JsonWriter(output, OpenAI.OpenAIErrorBody.WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("code", (int)global::Grpc.Core.StatusCode.InvalidArgument);
        json.WriteString("message", message);
        json.WriteStartArray("details");
        if (field is not null)
        {
            json.WriteStartObject();
            json.WriteString("@type", BadRequestType);
            json.WriteStartArray("fieldViolations");
            json.WriteStartObject();
            json.WriteString("field", field);
            json.WriteString("description", message);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
