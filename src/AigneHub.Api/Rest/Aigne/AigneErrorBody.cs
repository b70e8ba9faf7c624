namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// AIGNE's error shape for /api/v2 and the other AIGNE-native routes: {"error":{"message","type","timestamp","link?"}}.
/// The AIGNE client raises <c>error.message</c> and keeps <c>error.type</c> (402 answers <c>NOT_ENOUGH</c>).
/// </summary>
internal static class AigneErrorBody
{
    public static async Task WriteResponseAsync(HttpContext context, HubError error, TimeProvider time)
    {
        var response = context.Response;
        OpenAIErrorBody.PrepareResponse(response, error);
        await using (var json = new Utf8JsonWriter(response.BodyWriter, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", error.Message);
            json.WriteString("type", error.AigneType ?? error.Type);
            json.WriteString("timestamp", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            if (error.Link is not null)
            {
                json.WriteString("link", error.Link);
            }

            if (error.Param is not null)
            {
                json.WriteString("param", error.Param);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>An error after the stream started, as the AIGNE client expects it: an SSE event named "error".</summary>
    public static void WriteEvent(IBufferWriter<byte> output, HubError error)
    {
        output.Write("event: error\ndata: "u8);
        using (var json = new Utf8JsonWriter(output, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("message", error.Message);
            json.WriteString("type", error.AigneType ?? error.Type);
            json.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }
}
