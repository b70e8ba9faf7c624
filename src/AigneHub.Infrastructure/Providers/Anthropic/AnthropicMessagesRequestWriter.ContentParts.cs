namespace AigneHub.Infrastructure.Providers.Anthropic;

// Text and image content blocks, images from data URLs.
internal static partial class AnthropicMessagesRequestWriter
{
    private static void WriteTextBlock(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>An image by URL or inline (base64); Anthropic has no counterpart to OpenAI's <c>detail</c>.</summary>
    private static void WriteImageBlock(Utf8JsonWriter writer, ImagePart image)
    {
        var url = image.Url;
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image"u8);
        writer.WriteStartObject("source"u8);
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            WriteDataUrlSource(writer, url);
        }
        else if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("type"u8, "url"u8);
            writer.WriteString("url"u8, url);
        }
        else
        {
            throw new NotSupportedException("Images must be given as http(s) or data: URLs.");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>data:[media type][;parameters][;base64],data</c> (RFC 2397): base64 data is passed on as it is, without a
    /// copy; percent-encoded data is decoded and base64-encoded, the only form Anthropic takes.
    /// </summary>
    private static void WriteDataUrlSource(Utf8JsonWriter writer, string url)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw new NotSupportedException("An image data: URL has no data.");
        }

        var header = url.AsSpan("data:".Length, comma - "data:".Length);
        var payload = url.AsSpan(comma + 1);
        var semicolon = header.IndexOf(';');
        var mediaType = (semicolon < 0 ? header : header[..semicolon]).Trim();

        writer.WriteString("type"u8, "base64"u8);
        writer.WriteString("media_type"u8, mediaType.ToString().ToLowerInvariant());
        if (header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("data"u8, payload);
        }
        else
        {
            writer.WriteBase64String("data"u8, PercentDecode(payload));
        }
    }

    private static ReadOnlySpan<byte> PercentDecode(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        var written = 0;
        for (var read = 0; read < bytes.Length; read++)
        {
            if (bytes[read] == (byte)'%'
                && read + 2 < bytes.Length
                && HexValue(bytes[read + 1]) is var high and >= 0
                && HexValue(bytes[read + 2]) is var low and >= 0)
            {
                bytes[written++] = (byte)((high << 4) | low);
                read += 2;
            }
            else
            {
                bytes[written++] = bytes[read];
            }
        }

        return bytes.AsSpan(0, written);
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
