using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace AigneHub.FunctionalTests;

/// <summary>
/// A POST whose body goes chunked (no Content-Length), written on a raw connection: a server that refuses the body
/// part-way answers and closes while the client is still sending, and HttpClient then reports only the broken pipe,
/// not the answer that came before it.
/// </summary>
public static class ChunkedRequest
{
    /// <returns>The status code and the body of the answer (chunked answers are left as they came).</returns>
    public static async Task<(int Status, string Body)> PostAsync(Uri baseUri, string path, string contentType, byte[] body, string? key)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseUri.Host, baseUri.Port);
        var stream = client.GetStream();
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"POST {path} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n");
        if (key is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Authorization: Bearer {key}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        var sending = SendChunksAsync(stream, body);

        using var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
                if (IsComplete(answer))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // The server reset the connection after its answer (the rest of the body was never read).
        }

        client.Close();
        await sending;
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var separator = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || separator < 0)
        {
            throw new InvalidOperationException($"No HTTP answer: '{text}'");
        }

        return (int.Parse(text.AsSpan(9, 3), CultureInfo.InvariantCulture), text[(separator + 4)..]);
    }

    private static async Task SendChunksAsync(NetworkStream stream, byte[] body)
    {
        try
        {
            const int chunk = 64 * 1024;
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                var length = Math.Min(chunk, body.Length - offset);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                await stream.WriteAsync(body.AsMemory(offset, length));
                await stream.WriteAsync("\r\n"u8.ToArray());
            }

            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The server stopped reading: it has answered (or will) without the rest.
        }
    }

    /// <summary>Whether the head and a body of the declared length (or a last chunk) have arrived.</summary>
    private static bool IsComplete(MemoryStream answer)
    {
        var text = Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        var separator = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }

        var head = text[..separator];
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthLine is not null)
        {
            return Encoding.UTF8.GetByteCount(text[(separator + 4)..]) >= int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        }

        return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }
}
