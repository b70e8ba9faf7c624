using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Chat;

[Collection(HubCollection.Name)]
public sealed class GrpcInferenceTests(HubFixture hub)
{
    private Inference.InferenceClient Client => new(hub.Grpc);

    private static CreateChatCompletionRequest Request(string model, string text)
    {
        var request = new CreateChatCompletionRequest { Model = model };
        request.Messages.Add(new ChatMessage { Role = "user", Content = Value.ForString(text) });
        return request;
    }

    [Fact]
    public async Task Unary_call_over_grpc_returns_the_completion()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("from upstream", new FakeUsage(4, 2));

        var response = await Client.CreateChatCompletionAsync(Request("openai/gpt-4o-mini", "hi"));

        Assert.Equal("chat.completion", response.Object);
        Assert.Equal("from upstream", response.Choices[0].Message.Content);
        Assert.Equal(6, response.Usage.TotalTokens);
    }

    [Fact]
    public async Task Server_streaming_over_grpc_delivers_every_piece_then_usage()
    {
        using var call = Client.StreamChatCompletion(Request("demo/echo", "streamed over grpc"));

        var pieces = new List<string>();
        CompletionUsage? usage = null;
        string? finish = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            foreach (var choice in chunk.Choices)
            {
                if (choice.Delta.HasContent && choice.Delta.Content.Length > 0)
                {
                    pieces.Add(choice.Delta.Content);
                }

                if (choice.HasFinishReason)
                {
                    finish = choice.FinishReason;
                }
            }

            usage = chunk.Usage ?? usage;
        }

        Assert.Equal(["streamed", " over", " grpc"], pieces);
        Assert.Equal("stop", finish);
        Assert.NotNull(usage);
        Assert.Equal(3, usage.CompletionTokens);
    }

    [Fact]
    public async Task Two_choices_over_grpc_are_two_upstream_calls_without_n_answered_as_indexed_choices()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("from upstream", new FakeUsage(4, 2));
        var request = Request("openai/gpt-4o-mini", "hi");
        request.N = 2;

        var response = await Client.CreateChatCompletionAsync(request);

        Assert.Equal([(0, "from upstream"), (1, "from upstream")], response.Choices.Select(c => (c.Index, c.Message.Content)));
        Assert.Equal((8, 4), (response.Usage.PromptTokens, response.Usage.CompletionTokens));
        var sent = hub.Upstream.Requests.Where(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.All(sent, r =>
        {
            using var body = r.Json();
            Assert.False(body.RootElement.TryGetProperty("n", out _));
        });
    }

    [Fact]
    public async Task Two_streamed_choices_over_grpc_arrive_indexed_and_end_with_their_summed_usage()
    {
        hub.Upstream.Reset();
        hub.Upstream.ReplyStream(["one", " two"], new FakeUsage(3, 2));
        var request = Request("openai/gpt-4o-mini", "hi");
        request.N = 2;
        request.StreamOptions = new StreamOptions { IncludeUsage = true };

        using var call = Client.StreamChatCompletion(request);
        var text = new Dictionary<int, string>();
        var chunks = new List<ChatCompletionChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunks.Add(chunk);
            foreach (var choice in chunk.Choices)
            {
                text[choice.Index] = text.GetValueOrDefault(choice.Index, "") + (choice.Delta.HasContent ? choice.Delta.Content : "");
            }
        }

        Assert.Equal("one two", text[0]);
        Assert.Equal("one two", text[1]);
        Assert.Single(chunks.Select(c => c.Id).Distinct());
        var usage = Assert.Single(chunks, c => c.Usage is not null);
        Assert.Same(chunks[^1], usage);
        Assert.Equal((6, 4), (usage.Usage.PromptTokens, usage.Usage.CompletionTokens));
    }

    [Fact]
    public async Task Validation_failure_over_grpc_is_invalid_argument_with_field_violations()
    {
        var request = Request("demo/echo", "hi");
        request.Temperature = 7;

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateChatCompletionAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = error.GetRpcStatus();
        Assert.NotNull(status);
        var badRequest = status.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Contains(badRequest.FieldViolations, v => v.Field == "temperature");
    }

    [Fact]
    public async Task Streaming_validation_failure_over_grpc_is_invalid_argument()
    {
        var request = Request("demo/echo", "hi");
        request.Messages.Clear();

        using var call = Client.StreamChatCompletion(request);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Upstream_rate_limit_over_grpc_is_resource_exhausted()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(429, "slow down", TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateChatCompletionAsync(Request("openai/gpt-4o-mini", "hi")).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("3", error.Trailers.GetValue("retry-after"));
    }
}
