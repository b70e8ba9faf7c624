using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// Gemini's image models through <c>POST /v1beta/models/{model}:generateContent</c> with
/// <c>generationConfig.responseModalities</c> holding <c>"IMAGE"</c>: the request's parts (text and
/// <c>inlineData</c> images to edit) are answered with a text part and one <c>inlineData</c> PNG
/// (<see cref="FakeOpenAIUpstream.OnePixelPng"/>), and <c>usageMetadata</c> (1290 candidate tokens per image, as
/// Google documents for a 1024×1024 image).
/// </summary>
public sealed partial class FakeGeminiUpstream
{
    private static bool AsksForImages(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("generationConfig", out var config)
                && config.TryGetProperty("responseModalities", out var modalities)
                && modalities.EnumerateArray().Any(m => m.GetString() == "IMAGE");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task AnswerImagesAsync(HttpContext context, byte[] body)
    {
        using var request = JsonDocument.Parse(body);
        var words = request.RootElement.GetProperty("contents").EnumerateArray()
            .SelectMany(c => c.GetProperty("parts").EnumerateArray())
            .Where(p => p.TryGetProperty("text", out _))
            .Sum(p => p.GetProperty("text").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=UTF-8";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("candidates"u8);
            json.WriteStartObject();
            json.WriteStartObject("content"u8);
            json.WriteString("role"u8, "model"u8);
            json.WriteStartArray("parts"u8);
            json.WriteStartObject();
            json.WriteString("text"u8, "Here is the edited image."u8);
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteStartObject("inlineData"u8);
            json.WriteString("mimeType"u8, "image/png"u8);
            json.WriteString("data"u8, FakeOpenAIUpstream.OnePixelPng);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("finishReason"u8, "STOP"u8);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("usageMetadata"u8);
            json.WriteNumber("promptTokenCount"u8, words + 258);
            json.WriteNumber("candidatesTokenCount"u8, 1290);
            json.WriteNumber("totalTokenCount"u8, words + 258 + 1290);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
