namespace AigneHub.Api.Rest.OpenAI;

/// <summary>OpenAI's error envelope: {"error":{"message","type","param","code"}}, with param and code null when unknown.</summary>
internal static class OpenAIErrorBody
{
    /// <summary>Messages quote names ('temperature'); clients show them, so keep them readable rather than \u0027.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Utf8JsonWriter json, HubError error)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", error.Message);
        json.WriteString("type", error.Type);
        WriteNullable(json, "param", error.Param);
        WriteNullable(json, "code", error.Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes a whole error response; only valid before the response has started.</summary>
    public static async Task WriteResponseAsync(HttpContext context, HubError error)
    {
        var response = context.Response;
        PrepareResponse(response, error);
        await using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            Write(json, error);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// Status, JSON content type, Retry-After and the error's own headers (x-ratelimit-*): what every REST error
    /// answer of the hub carries, whichever body shape follows.
    /// </summary>
    public static void PrepareResponse(HttpResponse response, HubError error)
    {
        response.StatusCode = error.HttpStatus;
        response.ContentType = "application/json";
        response.ContentLength = null;
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in error.Headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
