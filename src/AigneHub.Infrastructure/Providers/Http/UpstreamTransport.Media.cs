namespace AigneHub.Infrastructure.Providers.Http;

internal sealed partial class UpstreamTransport
{
    /// <summary>The media adapters' HTTP client: like the chat adapters', with room for a batch of images.</summary>
    public const string MediaClientName = "provider-media";

    /// <summary>Ten 1536×1024 images in base64 stay well inside this.</summary>
    public const long MaxMediaResponseBytes = 128L * 1024 * 1024;

    /// <summary>A JSON request body written by <paramref name="write"/>.</summary>
    public static ReadOnlyMemoryContent JsonBody(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>One JSON call of an embedding or image adapter, start to end: sent, its error classified, its answer parsed.</summary>
    /// <param name="message">The request; the transport disposes it.</param>
    public Task<T> CallAsync<T>(
        UpstreamCall call,
        HttpRequestMessage message,
        Func<HttpResponseMessage, byte[], UpstreamException> failure,
        Func<byte[], T> parse,
        CancellationToken cancellationToken) =>
        SendAsync(call, () => message, (response, body) => failure(response, body), (_, body) => parse(body), usageOf: null, cancellationToken);
}
