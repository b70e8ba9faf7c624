using AigneHub.Application.Images.Commands.EditImages;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Images;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// <c>POST /v1/images/edits</c>, OpenAI's multipart image edit: the form (<c>image</c>, or several <c>image[]</c>;
/// optional <c>mask</c>; <c>prompt</c>, <c>model</c>, <c>n</c>, <c>size</c>, <c>quality</c>, <c>response_format</c>,
/// <c>user</c>) becomes the <see cref="EditImagesCommand"/> the gRPC <c>Images.EditImages</c> sends too, and the answer
/// is a generation's (<c>{created, data:[{b64_json|url}], usage?}</c>). Transcoding has no multipart, hence this
/// endpoint. Errors are OpenAI's envelope (left to <see cref="OpenAIErrorEnvelopeMiddleware"/>).
/// </summary>
internal static class ImageEditsEndpoint
{
    public const string Route = "/v1/images/edits";

    public static IEndpointRouteBuilder MapImageEdits(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, EditAsync).WithMetadata(new HubAccessAttribute(Domain.Access.KeyScopes.Inference)).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> EditAsync(HttpContext context, IMediator mediator, RestRoot restRoot)
    {
        try
        {
            if (!context.Request.HasFormContentType)
            {
                throw new RequestValidationException([new FieldViolation("image", "Send the edit as multipart/form-data with the image file(s), prompt and model.")]);
            }

            var form = await ReadFormAsync(context);
            var images = new List<InputImage>();
            foreach (var file in form.Files)
            {
                if (file.Name is "image" or "image[]")
                {
                    images.Add(await ReadAsync(file, context.RequestAborted));
                }
            }

            var mask = form.Files.GetFile("mask") is { } maskFile ? await ReadAsync(maskFile, context.RequestAborted) : null;
            var command = new EditImagesCommand(
                context.TraceIdentifier,
                Text(form, "model") ?? string.Empty,
                images,
                mask,
                Text(form, "prompt") ?? string.Empty,
                Number(form, "n") ?? 1,
                Text(form, "size"),
                Text(form, "quality"),
                Text(form, "response_format") ?? GenerateImagesCommand.UrlFormat,
                Text(form, "user"));
            var edited = await mediator.Send(command, context.RequestAborted);
            var response = ImagesMapping.ToResponse(edited, restRoot.For(context));
            return Results.Bytes(Json(response), "application/json; charset=utf-8");
        }
        catch (Exception ex) when (ex is HubException or InvalidDataException or BadHttpRequestException)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            context.Items[HubError.HttpContextKey] = error;
            return Results.StatusCode(error.HttpStatus);
        }
    }

    /// <summary>
    /// The multipart body, or 400 saying why it cannot be read (no boundary, a body cut short, a part without a
    /// Content-Disposition, more fields or longer headers than the form reader takes) rather than a 500. A body over
    /// the hub's limit stays a 413; a caller who went away stays a cancellation.
    /// </summary>
    private static async Task<IFormCollection> ReadFormAsync(HttpContext context)
    {
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when ((ex is BadHttpRequestException bad ? bad.StatusCode == StatusCodes.Status400BadRequest : ex is InvalidDataException or InvalidOperationException or IOException)
            && !context.RequestAborted.IsCancellationRequested)
        {
            throw new RequestValidationException([new FieldViolation("image", $"The multipart/form-data body could not be read: {ex.Message}")]);
        }
    }

    /// <summary>The answer as the generation route writes it (transcoded with int64 as numbers): created is a JSON number.</summary>
    private static byte[] Json(Grpc.V1.GenerateImagesResponse response)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("created", response.Created);
            json.WriteStartArray("data");
            foreach (var image in response.Data)
            {
                json.WriteStartObject();
                if (image.HasB64Json)
                {
                    json.WriteString("b64_json", image.B64Json);
                }

                if (image.HasUrl)
                {
                    json.WriteString("url", image.Url);
                }

                if (image.HasRevisedPrompt)
                {
                    json.WriteString("revised_prompt", image.RevisedPrompt);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (response.Usage is { } usage)
            {
                json.WriteStartObject("usage");
                json.WriteNumber("input_tokens", usage.InputTokens);
                json.WriteNumber("output_tokens", usage.OutputTokens);
                json.WriteNumber("total_tokens", usage.TotalTokens);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<InputImage> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(buffer, cancellationToken);
        return new InputImage(buffer.ToArray(), string.IsNullOrEmpty(file.FileName) ? "image.png" : file.FileName, string.IsNullOrEmpty(file.ContentType) ? "image/png" : file.ContentType);
    }

    private static string? Text(IFormCollection form, string name) => form.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text : null;

    private static int? Number(IFormCollection form, string name) => Text(form, name) is not { } text
        ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new RequestValidationException([new FieldViolation(name, $"{name} must be a whole number")]);
}
