using System.Net;
using System.Net.Http.Headers;
using AigneHub.Tests.Shared;
using Grpc.Core;

namespace AigneHub.FunctionalTests;

/// <summary>Sends raw bytes as the body of a gRPC call (HTTP/2 without TLS), for frames no gRPC client would write.</summary>
public static class GrpcFrames
{
    /// <returns>The call's grpc-status and grpc-message, from the trailers or, for a trailers-only answer, the headers.</returns>
    public static async Task<(StatusCode Status, string Message)> SendAsync(Uri grpcUri, string method, byte[] body, string? key = TestAccess.OwnerKey)
    {
        var (status, message) = await SendForRawStatusAsync(grpcUri, method, body, key);
        return (status, Uri.UnescapeDataString(message));
    }

    /// <returns>The call's grpc-status and its grpc-message exactly as the header carried it (still percent-encoded).</returns>
    public static async Task<(StatusCode Status, string RawMessage)> SendForRawStatusAsync(Uri grpcUri, string method, byte[] body, string? key = TestAccess.OwnerKey)
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = grpcUri, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var status = Value(response, "grpc-status") ?? throw new InvalidOperationException($"No grpc-status in the answer ({(int)response.StatusCode}).");
        return ((StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Value(response, "grpc-message") ?? string.Empty);
    }

    private static string? Value(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
        : response.Headers.TryGetValues(name, out var header) ? header.First()
        : null;
}
