using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace AigneHub.Api.Rest;

/// <summary>
/// The JSON body of a request to a transcoded gRPC method, as far as the error edges need it: which proto message it
/// is read into, and, after the transcoder refused it, what is wrong with it (<see cref="RequestJsonDiagnosis"/>).
/// </summary>
internal static class TranscodedRequestBody
{
    /// <summary>Bodies up to this size are kept in pooled memory for a second read; larger ones spill to a temporary file.</summary>
    public const int BufferThreshold = 1024 * 1024;

    /// <summary>The message a JSON body is read into when the route is a transcoded gRPC method with a body, else null.</summary>
    public static MessageDescriptor? Message(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            || !request.HasJsonContentType()
            || context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not { } transcoding)
        {
            return null;
        }

        var input = transcoding.MethodDescriptor.InputType;
        return transcoding.HttpRule.Body switch
        {
            "*" => input,
            "" => null,
            var field => input.FindFieldByName(field) is { FieldType: FieldType.Message } bodyField ? bodyField.MessageType : null,
        };
    }

    /// <summary>Keeps the body as the transcoder reads it, so that a refusal can read it again.</summary>
    public static void KeepForDiagnosis(HttpRequest request) => request.EnableBuffering(BufferThreshold);

    /// <summary>What is wrong with the body the transcoder refused: the field at fault and why; null when nothing is found.</summary>
    public static async Task<(string? Param, string Message)?> DiagnoseAsync(HttpRequest request, MessageDescriptor message)
    {
        if (!request.Body.CanSeek)
        {
            return null;
        }

        using var body = new MemoryStream();
        try
        {
            request.Body.Position = 0;
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The rest of the body was over the limit or never came: the transcoder's own refusal stands.
            return null;
        }

        return RequestJsonDiagnosis.Diagnose(message, body.GetBuffer().AsMemory(0, (int)body.Length));
    }
}
