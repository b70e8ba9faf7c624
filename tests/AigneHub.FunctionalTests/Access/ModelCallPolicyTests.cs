using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.Api.Identity;
using AigneHub.Domain.Access;
using AigneHub.Tests.Shared;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// One access policy for every model call: each inference route of every surface (OpenAI REST, AIGNE REST, the
/// transcoded stream, native gRPC), unary and streamed, chat, embeddings and images, is refused by the same checks
/// (scope, IP rules, model allow-list, rate limits) before any provider is called.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ModelCallPolicyTests(HubFixture hub)
{
    /// <summary>The paid model each call type is tried with (the fake OpenAI upstream would answer it), and the free demo one.</summary>
    private static readonly Dictionary<CallKind, (string Paid, string Demo)> Models = new()
    {
        [CallKind.Chat] = ("openai/gpt-4o-mini", "demo/echo"),
        [CallKind.Embedding] = ("openai/text-embedding-3-small", "demo/embed"),
        [CallKind.Image] = ("openai/dall-e-3", "demo/image"),
    };

    /// <summary>A 1×1 PNG: the image the edit routes are sent (the demo model does not look at it).</summary>
    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    /// <summary>Every route and gRPC method that makes a model call, by the name the route review below expects.</summary>
    private static readonly Dictionary<string, (CallKind Kind, Func<Callers, string, Task<Answer>> Call)> Routes = new()
    {
        ["POST /v1/chat/completions"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/chat/completions", new { model, messages = Hello })),
        ["POST /v1/chat/completions (stream)"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/chat/completions", new { model, stream = true, messages = Hello })),
        ["POST /api/inference/chat/completions:stream"] = (CallKind.Chat, (c, model) => c.PostAsync("/api/inference/chat/completions:stream", new { model, messages = Hello })),
        ["POST /api/v2/chat"] = (CallKind.Chat, (c, model) => c.PostAsync("/api/v2/chat", new { input = new { messages = Hello, modelOptions = new { model } } })),
        ["POST /api/v2/chat (stream)"] = (CallKind.Chat, (c, model) => c.PostAsync("/api/v2/chat", new { input = new { messages = Hello, modelOptions = new { model } }, options = new { streaming = true } })),
        ["POST /v1/responses"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/responses", new { model, input = "hello" })),
        ["POST /v1/responses (stream)"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/responses", new { model, input = "hello", stream = true })),
        ["POST /v1/completions"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/completions", new { model, prompt = "hello" })),
        ["POST /v1/completions (stream)"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/completions", new { model, prompt = "hello", stream = true })),
        ["POST /v1/messages"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/messages", new { model, max_tokens = 100, messages = Hello })),
        ["POST /v1/messages (stream)"] = (CallKind.Chat, (c, model) => c.PostAsync("/v1/messages", new { model, max_tokens = 100, messages = Hello, stream = true })),
        ["POST /v1/embeddings"] = (CallKind.Embedding, (c, model) => c.PostAsync("/v1/embeddings", new { model, input = "hello" })),
        ["POST /api/v2/embeddings"] = (CallKind.Embedding, (c, model) => c.PostAsync("/api/v2/embeddings", new { model, input = "hello" })),
        ["POST /v1/images/generations"] = (CallKind.Image, (c, model) => c.PostAsync("/v1/images/generations", new { model, prompt = "a lighthouse" })),
        ["POST /v1/images/edits"] = (CallKind.Image, (c, model) => c.PostMultipartAsync("/v1/images/edits", model)),
        ["POST /api/images/edits"] = (CallKind.Image, (c, model) => c.PostAsync("/api/images/edits", new
        {
            model, prompt = "a lighthouse", response_format = "b64_json",
            image = new[] { new { data = Convert.ToBase64String(OnePixelPng), filename = "in.png", media_type = "image/png" } },
        })),
        ["POST /api/v2/image"] = (CallKind.Image, (c, model) => c.PostAsync("/api/v2/image", new { input = new { prompt = "a lighthouse", modelOptions = new { model } } })),
        ["aignehub.v1.Inference/CreateChatCompletion"] = (CallKind.Chat, (c, model) => c.GrpcAsync(async channel =>
            await new Inference.InferenceClient(channel).CreateChatCompletionAsync(GrpcChat(model), c.Metadata))),
        ["aignehub.v1.Inference/StreamChatCompletion"] = (CallKind.Chat, (c, model) => c.GrpcAsync(async channel =>
        {
            using var stream = new Inference.InferenceClient(channel).StreamChatCompletion(GrpcChat(model), c.Metadata);
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        })),
        ["aignehub.v1.Embeddings/CreateEmbeddings"] = (CallKind.Embedding, (c, model) => c.GrpcAsync(async channel =>
            await new Embeddings.EmbeddingsClient(channel).CreateEmbeddingsAsync(
                new CreateEmbeddingsRequest { Model = model, Input = Google.Protobuf.WellKnownTypes.Value.ForString("hello") }, c.Metadata))),
        ["aignehub.v1.Images/GenerateImages"] = (CallKind.Image, (c, model) => c.GrpcAsync(async channel =>
            await new Images.ImagesClient(channel).GenerateImagesAsync(new GenerateImagesRequest { Model = model, Prompt = "a lighthouse", ResponseFormat = "b64_json" }, c.Metadata))),
        ["aignehub.v1.Images/EditImages"] = (CallKind.Image, (c, model) => c.GrpcAsync(async channel =>
            await new Images.ImagesClient(channel).EditImagesAsync(
                new EditImagesRequest
                {
                    Model = model, Prompt = "a lighthouse", ResponseFormat = "b64_json",
                    Image = { new InputImage { Data = Google.Protobuf.ByteString.CopyFrom(OnePixelPng), Filename = "in.png", MediaType = "image/png" } },
                },
                c.Metadata))),
    };

    /// <summary>Routes that need the inference scope but make no model call: they read the model list.</summary>
    private static readonly HashSet<string> InferenceReads =
    [
        "GET /v1/models", "GET /v1/models/{id}", "aignehub.v1.Models/ListModels", "aignehub.v1.Models/GetModel",
    ];

    private static readonly object[] Hello = [new { role = "user", content = "hello" }];

    public static TheoryData<string> ModelCallRoutes => new(Routes.Keys);

    [Theory]
    [MemberData(nameof(ModelCallRoutes))]
    public async Task A_key_allowed_only_demo_echo_is_refused_403_naming_the_model_before_any_provider_is_called(string route)
    {
        var (kind, call) = Routes[route];
        var key = await KeyAsync(new { models = new[] { "demo/echo" } });
        var before = hub.Upstream.RequestCount;

        var answer = await call(CallersOf(key), Models[kind].Paid);

        Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{route}: {answer}");
        Assert.Contains($"'{Models[kind].Paid}'", answer.Text, StringComparison.Ordinal);
        Assert.Contains("demo/echo", answer.Text, StringComparison.Ordinal);
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Theory]
    [MemberData(nameof(ModelCallRoutes))]
    public async Task A_model_inside_the_keys_allow_list_is_served(string route)
    {
        var (kind, call) = Routes[route];
        var key = await KeyAsync(new { models = new[] { "demo/*" } });

        var answer = await call(CallersOf(key), Models[kind].Demo);

        Assert.True(answer.Status == HttpStatusCode.OK, $"{route}: {answer}");
    }

    [Theory]
    [MemberData(nameof(ModelCallRoutes))]
    public async Task A_key_limited_to_two_requests_a_minute_is_refused_429_on_its_third_call(string route)
    {
        var (kind, call) = Routes[route];
        var callers = CallersOf(await KeyAsync(new { requests_per_minute = 2 }));

        var statuses = new List<Answer>();
        for (var i = 0; i < 5 && !statuses.Any(a => a.Status == HttpStatusCode.TooManyRequests); i++)
        {
            statuses.Add(await call(callers, Models[kind].Demo));
        }

        // Third, unless the minute's window rolled over between two calls (then at most two more pass).
        Assert.True(statuses[0].Status == HttpStatusCode.OK && statuses[1].Status == HttpStatusCode.OK, $"{route}: {string.Join("; ", statuses)}");
        var refused = statuses[^1];
        Assert.True(refused.Status == HttpStatusCode.TooManyRequests, $"{route}: {string.Join("; ", statuses)}");
        Assert.InRange(statuses.Count, 3, 5);
        Assert.Contains("requests per minute", refused.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ModelCallRoutes))]
    public async Task A_key_without_the_inference_scope_is_refused_403(string route)
    {
        var (kind, call) = Routes[route];
        var key = await KeyAsync(new { scopes = new[] { KeyScopes.AdminRead } }, role: "admin");

        var answer = await call(CallersOf(key), Models[kind].Demo);

        Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{route}: {answer}");
        Assert.Contains("inference", answer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ModelCallRoutes))]
    public async Task A_call_from_an_address_the_hubs_ip_rules_deny_is_refused_403(string route)
    {
        var (kind, call) = Routes[route];

        // The fixture trusts 127.0.0.1 as a proxy and denies 203.0.113.0/24.
        var answer = await call(CallersOf(TestAccess.OwnerKey, forwardedFor: "203.0.113.9"), Models[kind].Demo);

        Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{route}: {answer}");
        Assert.Contains("203.0.113.9", answer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/embeddings")]
    [InlineData("/api/v2/embeddings")]
    public async Task An_embedding_call_estimated_above_the_keys_tokens_per_minute_is_refused_429(string path)
    {
        var callers = CallersOf(await KeyAsync(new { tokens_per_minute = 100 }));

        var small = await callers.PostAsync(path, new { model = "demo/embed", input = "a few words" });
        var large = await callers.PostAsync(path, new { model = "demo/embed", input = new string('x', 2_000) });

        Assert.True(small.Status == HttpStatusCode.OK, small.ToString());
        Assert.True(large.Status == HttpStatusCode.TooManyRequests, large.ToString());
        Assert.Contains("tokens per minute", large.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_route_that_needs_the_inference_scope_is_a_model_call_covered_above_or_a_model_list_read()
    {
        var mapped = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Where(e => e.Metadata.GetMetadata<HubAccessAttribute>()?.Scope == KeyScopes.Inference)
            .Select(RouteName)
            .Distinct()
            .ToHashSet();
        var covered = Routes.Keys.Select(r => r.Replace(" (stream)", string.Empty, StringComparison.Ordinal)).ToHashSet();

        // A new inference route must join the matrix above (or, if it calls no model, the reads).
        Assert.Empty(mapped.Except(covered).Except(InferenceReads));

        // And the matrix tests routes the hub really maps.
        Assert.Empty(covered.Except(mapped));
    }

    private static string RouteName(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { } transcoded)
        {
            var binding = new AigneHub.Api.OpenApi.TranscodedRoute(transcoded.MethodDescriptor, transcoded.HttpRule).Binding!.Value;
            return $"{binding.Method.ToUpperInvariant()} {AigneHub.Api.OpenApi.OpenApiDocumentGenerator.ToOpenApiPath(binding.Template)}";
        }

        if (endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc)
        {
            return grpc.Method.FullName.TrimStart('/');
        }

        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
        return $"{string.Join(",", methods)} /{((RouteEndpoint)endpoint).RoutePattern.RawText?.TrimStart('/')}";
    }

    private Callers CallersOf(string key, string? forwardedFor = null) => new(hub, key, forwardedFor);

    /// <summary>A new user and a key of theirs with the given settings (scopes default to inference).</summary>
    private async Task<string> KeyAsync(object settings, string role = "member")
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "policy", role });
        var userText = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userText);
        using var userBody = JsonDocument.Parse(userText);
        var request = JsonSerializer.SerializeToNode(settings)!.AsObject();
        request["user_id"] = userBody.RootElement.GetProperty("user").GetProperty("id").GetString();
        request["name"] = "policy key";
        request.TryAdd("scopes", new System.Text.Json.Nodes.JsonArray(KeyScopes.Inference));
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", request);
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("secret").GetString()!;
    }

    private static CreateChatCompletionRequest GrpcChat(string model) => new()
    {
        Model = model,
        Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("hello") } },
    };

    private enum CallKind
    {
        Chat,
        Embedding,
        Image,
    }

    /// <summary>What a route answered: the HTTP status (a gRPC status as the HTTP status it stands for) and the body or message.</summary>
    private sealed record Answer(HttpStatusCode Status, string Text)
    {
        public override string ToString() => $"{(int)Status} {Text}";
    }

    /// <summary>One key, on REST and on gRPC, optionally behind a proxy that says the client is someone else.</summary>
    private sealed class Callers(HubFixture hub, string key, string? forwardedFor)
    {
        public Metadata Metadata { get; } = forwardedFor is null ? [] : new Metadata { { "x-forwarded-for", forwardedFor } };

        public async Task<Answer> PostAsync(string path, object body)
        {
            using var client = TestAccess.RestClient(hub.RestUri, key);
            if (forwardedFor is not null)
            {
                client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
            }

            using var response = await client.PostAsJsonAsync(path, body);
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        /// <summary>OpenAI's multipart image edit: one image and a prompt.</summary>
        public async Task<Answer> PostMultipartAsync(string path, string model)
        {
            using var client = TestAccess.RestClient(hub.RestUri, key);
            if (forwardedFor is not null)
            {
                client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
            }

            using var form = new MultipartFormDataContent
            {
                { new StringContent(model), "model" },
                { new StringContent("a lighthouse"), "prompt" },
                { new StringContent("b64_json"), "response_format" },
            };
            var image = new ByteArrayContent(OnePixelPng);
            image.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            form.Add(image, "image", "in.png");
            using var response = await client.PostAsync(path, form);
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public async Task<Answer> GrpcAsync(Func<global::Grpc.Net.Client.GrpcChannel, Task> call)
        {
            using var channel = TestAccess.GrpcChannel(hub.GrpcUri, key);
            try
            {
                await call(channel);
                return new Answer(HttpStatusCode.OK, string.Empty);
            }
            catch (RpcException ex)
            {
                var status = ex.StatusCode switch
                {
                    StatusCode.PermissionDenied => HttpStatusCode.Forbidden,
                    StatusCode.ResourceExhausted => HttpStatusCode.TooManyRequests,
                    StatusCode.Unauthenticated => HttpStatusCode.Unauthorized,
                    StatusCode.InvalidArgument => HttpStatusCode.BadRequest,
                    StatusCode.NotFound => HttpStatusCode.NotFound,
                    _ => HttpStatusCode.InternalServerError,
                };
                return new Answer(status, $"{ex.StatusCode}: {ex.Status.Detail}");
            }
        }
    }
}
