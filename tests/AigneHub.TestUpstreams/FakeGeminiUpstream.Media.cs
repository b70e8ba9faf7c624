using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// The Gemini API's embeddings and Imagen methods, as its reference documents them:
/// <c>POST /v1beta/models/{model}:batchEmbedContents</c> (<c>{"requests":[{"model","content":{"parts":[{"text"}]},"outputDimensionality"?}]}</c>
/// in, <c>{"embeddings":[{"values":[…]}]}</c> out, one per request, in order) and <c>POST /v1beta/models/{model}:predict</c>
/// (<c>{"instances":[{"prompt"}],"parameters":{"sampleCount"}}</c> in, <c>{"predictions":[{"mimeType","bytesBase64Encoded"}]}</c> out).
/// Authentication and the <see cref="Fail"/>, <see cref="FailWithInvalidApiKey"/> and <see cref="Hang"/> scripts apply as to generateContent.
/// </summary>
public sealed partial class FakeGeminiUpstream
{
    public const int EmbeddingDimensions = 6;

    /// <summary>The value at <paramref name="position"/> of the fake's vector for a text.</summary>
    public static float EmbeddingValue(string text, int position) => (position - (text.Length % 83)) / 512f;

    private async Task<bool> TryAnswerMediaAsync(HttpContext context, byte[] body, Script script)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        if (HttpMethods.IsPost(request.Method) && path.EndsWith(":generateContent", StringComparison.Ordinal) && AsksForImages(body))
        {
            if (await AuthenticateAsync(context).ConfigureAwait(false))
            {
                await AnswerImagesAsync(context, body).ConfigureAwait(false);
            }

            return true;
        }

        var embeds = path.EndsWith(":batchEmbedContents", StringComparison.Ordinal);
        if (!HttpMethods.IsPost(request.Method) || !path.StartsWith("/v1beta/models/", StringComparison.Ordinal)
            || (!embeds && !path.EndsWith(":predict", StringComparison.Ordinal)))
        {
            return false;
        }

        if (!await AuthenticateAsync(context).ConfigureAwait(false))
        {
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "Invalid JSON payload received.", null).ConfigureAwait(false);
            return true;
        }

        using (document)
        {
            switch (script.Kind)
            {
                case ScriptKind.Fail:
                    await WriteScriptedErrorAsync(context, script, path).ConfigureAwait(false);
                    return true;
                case ScriptKind.InvalidKey:
                    await WriteInvalidKeyAsync(context, script.ErrorMessage!).ConfigureAwait(false);
                    return true;
                case ScriptKind.Hang:
                    await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                    return true;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json; charset=UTF-8";
            using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
            {
                json.WriteStartObject();
                if (embeds)
                {
                    json.WriteStartArray("embeddings"u8);
                    foreach (var item in document.RootElement.GetProperty("requests").EnumerateArray())
                    {
                        var text = item.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString() ?? string.Empty;
                        var dimensions = item.TryGetProperty("outputDimensionality", out var d) ? d.GetInt32() : EmbeddingDimensions;
                        json.WriteStartObject();
                        json.WriteStartArray("values"u8);
                        for (var p = 0; p < dimensions; p++)
                        {
                            json.WriteNumberValue(EmbeddingValue(text, p));
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }
                }
                else
                {
                    var count = document.RootElement.TryGetProperty("parameters", out var parameters) && parameters.TryGetProperty("sampleCount", out var n) ? n.GetInt32() : 4;
                    json.WriteStartArray("predictions"u8);
                    for (var i = 0; i < count; i++)
                    {
                        json.WriteStartObject();
                        json.WriteString("mimeType"u8, "image/png"u8);
                        json.WriteString("bytesBase64Encoded"u8, FakeOpenAIUpstream.OnePixelPng);
                        json.WriteEndObject();
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            return true;
        }
    }
}
