using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace AigneHub.TestUpstreams;

/// <summary>
/// OpenAI's image edit endpoint, <c>POST /v1/images/edits</c>, as its API reference documents it: a multipart/form-data
/// body (<c>image</c> or repeated <c>image[]</c>, optional <c>mask</c>, <c>prompt</c>, <c>model</c>, <c>n</c>, …),
/// answered like a generation (<see cref="OnePixelPng"/> per image; token usage for gpt-image models). Every part of
/// the last edit is kept exactly as it arrived (<see cref="LastImageEditParts"/>), so a test can compare the uploads
/// byte for byte. A body that is not multipart, or lacks image, prompt or model, is refused with OpenAI's 400.
/// </summary>
public sealed partial class FakeOpenAIUpstream
{
    public const string ImageEditsPath = "/v1/images/edits";

    private volatile IReadOnlyList<FormPart> _lastImageEditParts = [];

    /// <summary>The parts of the last edit request, in the order they arrived.</summary>
    public IReadOnlyList<FormPart> LastImageEditParts => _lastImageEditParts;

    /// <summary>Input tokens an edit counts per image it is sent (and per mask); 0 by default.</summary>
    public int EditImageTokens { get; set; }

    private async Task AnswerImageEditAsync(HttpContext context, byte[] body, Script script)
    {
        if (RequiredApiKey is { } key && context.Request.Headers.Authorization.ToString() != "Bearer " + key)
        {
            await WriteErrorAsync(context, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key").ConfigureAwait(false);
            return;
        }

        if (script.Kind == ScriptKind.Fail)
        {
            await WriteScriptedErrorAsync(context, script).ConfigureAwait(false);
            return;
        }

        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || type.Boundary.Value is not { Length: > 0 } boundary)
        {
            await WriteErrorAsync(context, 400, "Expected a multipart/form-data body.", "invalid_request_error", null).ConfigureAwait(false);
            return;
        }

        var parts = new List<FormPart>();
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(boundary).Value!, new MemoryStream(body));
        while (await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false) is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content, context.RequestAborted).ConfigureAwait(false);
            parts.Add(new FormPart(
                HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty,
                disposition.FileName.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value : null,
                section.ContentType,
                content.ToArray()));
        }

        _lastImageEditParts = parts;
        string? Field(string name) => parts.FirstOrDefault(p => p.Name == name && p.FileName is null)?.Text;
        var model = Field("model");
        var prompt = Field("prompt");
        if (model is null || prompt is null || !parts.Any(p => p.Name is "image" or "image[]"))
        {
            await WriteErrorAsync(context, 400, "image, prompt and model are required.", "invalid_request_error", null).ConfigureAwait(false);
            return;
        }

        var n = int.TryParse(Field("n"), out var count) ? count : 1;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions))
        {
            using var request = JsonDocument.Parse(JsonSerializer.Serialize(new { model, prompt, n, response_format = Field("response_format") ?? "b64_json" }));
            // gpt-image-1 counts each input image (and the mask) as input tokens, in input_tokens_details.image_tokens.
            WriteImages(json, request.RootElement, EditImageTokens * parts.Count(p => p.Name is "image" or "image[]" or "mask"));
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>One part of a multipart/form-data body, as it arrived.</summary>
/// <param name="FileName">The part's file name; null for a text field.</param>
public sealed record FormPart(string Name, string? FileName, string? ContentType, byte[] Content)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Content);
}
