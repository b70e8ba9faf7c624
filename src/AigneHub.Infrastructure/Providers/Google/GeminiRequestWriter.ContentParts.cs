namespace AigneHub.Infrastructure.Providers.Google;

// Text and image parts, images inline from data URLs.
internal static partial class GeminiRequestWriter
{
    private static void WriteTextPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A data: URL goes inline (<c>inline_data</c>, base64). An http(s) URL goes by reference (<c>file_data</c>):
    /// Gemini fetches public and pre-signed HTTPS URLs itself (models that cannot are answered with Gemini's own 400).
    /// </summary>
    private static void WriteImagePart(Utf8JsonWriter writer, string url, string provider)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            WriteInlineData(writer, url, provider);
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw Unsupported(provider, $"The {provider} provider takes images as data: URLs or http(s) URLs only.");
        }

        writer.WriteStartObject();
        writer.WriteStartObject("file_data"u8);

        // mime_type is optional for a URI; Gemini reads the type of what it fetches when it is not given.
        if (GuessImageType(uri) is { } mimeType)
        {
            writer.WriteString("mime_type"u8, mimeType);
        }

        writer.WriteString("file_uri"u8, uri.AbsoluteUri);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes an RFC 2397 data: URL as <c>inline_data</c>: its media type, and its bytes in base64.</summary>
    private static void WriteInlineData(Utf8JsonWriter writer, string url, string provider)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw Unsupported(provider, "An image data: URL has no ',' before its data.");
        }

        var header = url.AsSpan(5, comma - 5);
        var payload = url.AsSpan(comma + 1);
        var mediaType = header;
        var isBase64 = false;
        var semicolon = header.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = header[..semicolon];
            var parameters = header[(semicolon + 1)..];
            foreach (var range in parameters.Split(';'))
            {
                isBase64 |= parameters[range].Trim().Equals("base64", StringComparison.OrdinalIgnoreCase);
            }
        }

        mediaType = mediaType.Trim();
        if (mediaType.IsEmpty || mediaType.IndexOf('/') <= 0)
        {
            throw Unsupported(provider, "An image data: URL does not name its media type (e.g. data:image/png;base64,…).");
        }

        writer.WriteStartObject();
        writer.WriteStartObject("inline_data"u8);
        writer.WriteString("mime_type"u8, mediaType);
        if (isBase64)
        {
            writer.WriteString("data"u8, payload);
        }
        else
        {
            writer.WriteBase64String("data"u8, PercentDecode(payload));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The bytes of a data: URL written without ";base64": UTF-8 text with %XX escapes.</summary>
    private static byte[] PercentDecode(ReadOnlySpan<char> text)
    {
        var utf8 = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, utf8);
        var length = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'%' && i + 2 < utf8.Length && HexValue(utf8[i + 1]) is var high and >= 0 && HexValue(utf8[i + 2]) is var low and >= 0)
            {
                utf8[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else
            {
                utf8[length++] = utf8[i];
            }
        }

        return utf8[..length];
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>The image types Gemini documents, told by the URL path's extension; null when it says nothing.</summary>
    private static string? GuessImageType(Uri uri) =>
        Path.GetExtension(uri.AbsolutePath).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            _ => null,
        };
}
