using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.OpenAI;

public sealed class OpenAIChatCompletionTests : IAsyncLifetime
{
    private FakeOpenAIUpstream _upstream = null!;
    private OpenAIAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        _harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Completion_is_mapped_with_the_hub_model_name_usage_and_cached_tokens()
    {
        _upstream.ResponseModel = "gpt-4o-mini-2024-07-18";
        _upstream.Reply("Hello! How can I help?", new FakeUsage(PromptTokens: 19, CompletionTokens: 7, CachedTokens: 12), finishReason: "length");
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);

        var completion = await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.InRange(completion.Created, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal("openai/gpt-4o-mini-2024-07-18", completion.Model);
        Assert.Equal("Hello! How can I help?", completion.Content);
        Assert.Equal("length", completion.FinishReason);
        Assert.Equal(new TokenUsage(19, 7, 12), completion.Usage);
        Assert.Equal(FakeOpenAIUpstream.Fingerprint, completion.SystemFingerprint);
    }

    [Fact]
    public async Task Default_echo_answer_is_deterministic()
    {
        var completion = await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        Assert.Equal("You said: Hello there", completion.Content);
        Assert.Equal("openai/gpt-4o-mini", completion.Model);
        Assert.Equal(new TokenUsage(2, 4), completion.Usage);
        Assert.Equal("stop", completion.FinishReason);
    }

    [Fact]
    public async Task Malformed_json_from_the_upstream_is_reported_as_unavailable()
    {
        _upstream.RespondRaw(200, "application/json", """{"id":"chatcmpl-1","choices":[{"message":{"content":"cut of""");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(Requests.Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The openai provider returned a malformed response.", error.Message);
    }

    [Fact]
    public async Task Completion_without_choices_is_reported_as_unavailable()
    {
        _upstream.RespondRaw(200, "application/json", """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[]}""");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(Requests.Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
    }

    [Fact]
    public async Task Tool_call_answer_without_content_is_mapped_with_null_content()
    {
        _upstream.RespondRaw(
            200,
            "application/json",
            """
            {"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8,"prompt_tokens_details":null}}
            """);

        var completion = await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        Assert.Null(completion.Content);
        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), completion.Created);
        Assert.Equal(new TokenUsage(5, 3), completion.Usage);
        Assert.Null(completion.SystemFingerprint);
    }
}
