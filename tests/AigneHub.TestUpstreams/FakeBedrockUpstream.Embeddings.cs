using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// Bedrock's <c>InvokeModel</c> (<c>POST /model/{modelId}/invoke</c>) for Amazon Titan text embeddings, as the
/// Bedrock user guide documents it: <c>{"inputText","dimensions"?,"normalize"?}</c> in, <c>{"embedding":[…],"inputTextTokenCount"}</c>
/// out (plus <c>embeddingsByType</c>, as V2 answers). The signature is verified as for Converse; <see cref="Fail"/> and
/// <see cref="Hang"/> apply.
/// </summary>
public sealed partial class FakeBedrockUpstream
{
    /// <summary>The length of the fake's vectors when the request names no dimensions (Titan V2's default).</summary>
    public const int TitanDefaultDimensions = 1024;

    /// <summary>The value at <paramref name="position"/> of the fake's vector for a text.</summary>
    public static float TitanValue(string text, int position) => ((text.Length % 89) - position) / 256f;

    private async Task AnswerInvokeAsync(HttpContext context, byte[] body, Script script)
    {
        string text;
        int dimensions;
        try
        {
            using var document = JsonDocument.Parse(body);
            text = document.RootElement.GetProperty("inputText").GetString() ?? throw new JsonException();
            dimensions = document.RootElement.TryGetProperty("dimensions", out var d) ? d.GetInt32() : TitanDefaultDimensions;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await WriteErrorAsync(context, 400, "ValidationException", "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.").ConfigureAwait(false);
            return;
        }

        if (await TryFailOrHangAsync(context, script).ConfigureAwait(false))
        {
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.Headers["X-Amzn-Bedrock-Input-Token-Count"] = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            var vector = Enumerable.Range(0, dimensions).Select(p => TitanValue(text, p)).ToArray();
            json.WriteStartObject();
            json.WriteStartArray("embedding"u8);
            foreach (var value in vector)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
            json.WriteNumber("inputTextTokenCount"u8, text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            json.WriteStartObject("embeddingsByType"u8);
            json.WriteStartArray("float"u8);
            foreach (var value in vector)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
