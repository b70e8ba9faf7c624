namespace AigneHub.Api.Grpc;

/// <summary>
/// The <c>grpc-message</c> header as the gRPC HTTP/2 protocol spells it: the message's UTF-8 bytes, with only those
/// outside 0x20–0x7E and '%' itself percent-encoded, so that clients (grpc-js, grpc-go, grpc-dotnet) decode it back to
/// the message as written. <see cref="Uri.EscapeDataString"/> also escapes spaces, ':' and the like, which the
/// clients show as is ("Authorization%3A Bearer").
/// </summary>
internal static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        if (!NeedsEncoding(message))
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var encoded = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                return true;
            }
        }

        return false;
    }
}
