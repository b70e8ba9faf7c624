using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.FunctionalTests.Access;
using AigneHub.FunctionalTests.Clients;
using AigneHub.Tests.Shared;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Caching;

/// <summary>The response cache on the other surfaces: the openai npm SDK, embeddings, gRPC metadata, and who may purge.</summary>
[Collection(HubCollection.Name)]
public sealed class ResponseCacheSurfaceTests(HubFixture hub)
{
    [Fact]
    public async Task Official_openai_npm_client_reads_a_streamed_answer_replayed_from_the_cache()
    {
        var run = await NodeSuites.RunAsync("openai", ["openai-sdk-cache.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_URL"] = hub.RestUri.ToString().TrimEnd('/'),
            ["HUB_API_KEY"] = TestAccess.OwnerKey,
        });

        Assert.True(run.ExitCode == 0, "openai-sdk-cache.test.mjs failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }

    [Fact]
    public async Task A_repeated_embeddings_request_is_a_hit_with_the_same_vectors()
    {
        var body = new { model = "demo/embed", input = new[] { "cache these words", "and these" }, encoding_format = "float" };

        using var miss = await PostAsync("/v1/embeddings", body);
        using var hit = await PostAsync("/v1/embeddings", body);

        Assert.Equal(("miss", "hit"), (Header(miss), Header(hit)));
        var (first, second) = (await miss.Content.ReadAsStringAsync(), await hit.Content.ReadAsStringAsync());
        Assert.Equal(Vectors(first), Vectors(second));
        Assert.Equal("hit", (await hub.WaitForCallRecordAsync(hit.Headers.GetValues("x-request-id").Single())).GetProperty("cache").GetString());
    }

    [Fact]
    public async Task A_grpc_call_asks_with_metadata_and_is_told_in_its_response_headers()
    {
        var client = new Inference.InferenceClient(hub.Grpc);
        var request = new CreateChatCompletionRequest { Model = "demo/echo", Temperature = 0 };
        request.Messages.Add(new Api.Grpc.V1.ChatMessage { Role = "user", Content = Value.ForString("cached over grpc") });
        var metadata = new Metadata { { "x-aignehub-cache", "use" } };

        using var miss = client.CreateChatCompletionAsync(request, metadata);
        var missHeaders = await miss.ResponseHeadersAsync;
        var first = await miss;
        using var hit = client.CreateChatCompletionAsync(request, metadata);
        var hitHeaders = await hit.ResponseHeadersAsync;
        var second = await hit;

        Assert.Equal(("miss", "hit"), (missHeaders.GetValue("x-aignehub-cache"), hitHeaders.GetValue("x-aignehub-cache")));
        Assert.Equal(first.Choices[0].Message.Content, second.Choices[0].Message.Content);
    }

    [Fact]
    public async Task An_unknown_cache_directive_is_refused_naming_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "demo/echo", messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-aignehub-cache", "sometimes");

        using var response = await hub.Rest.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("x-aignehub-cache", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_key_cannot_purge_the_cache()
    {
        var member = await AccessSetup.UserAsync(hub.Rest, "cache-member", "member");
        var key = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "inference", scopes = new[] { "inference" } });
        using var client = TestAccess.RestClient(hub.RestUri, key.Secret);

        using var response = await client.DeleteAsync("/api/admin/cache");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("x-aignehub-cache", "use");
        var response = await hub.Rest.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return response;
    }

    private static string Header(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-aignehub-cache", out var values) ? values.Single() : "(none)";

    private static string Vectors(string body) =>
        string.Join('|', JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("embedding").GetRawText()));
}
