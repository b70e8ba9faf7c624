using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;

namespace AigneHub.Tests.Shared;

/// <summary>
/// The owner key every test hub is seeded with (Access:BootstrapAdminKey), and clients that send it: a REST client
/// with a default Authorization header and a gRPC channel whose call credentials add the authorization metadata, so
/// every test built on a fixture authenticates without saying so.
/// </summary>
public static class TestAccess
{
    /// <summary>A fake, fixed owner key (the format of a real one: ahk_&lt;16 hex&gt;_&lt;43+ base64url&gt;).</summary>
    public const string OwnerKey = "ahk_0000000000000001_test-owner-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    public const string ConfigurationKey = "Access:BootstrapAdminKey";

    public static HttpClient RestClient(Uri baseAddress, string? key = OwnerKey)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static GrpcChannel GrpcChannel(Uri address, string? key = OwnerKey)
    {
        if (key is null)
        {
            return Grpc.Net.Client.GrpcChannel.ForAddress(address);
        }

        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {key}");
            return Task.CompletedTask;
        });
        return Grpc.Net.Client.GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }
}
