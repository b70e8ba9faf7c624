using System.Net;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>How a GenerateContentResponse becomes a <see cref="Application.Chat.ChatCompletion"/>.</summary>
public sealed class GeminiCompletionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeGeminiUpstream _upstream = null!;
    private GeminiHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeGeminiUpstream.StartAsync();
        _harness = GeminiHarness.Create(_upstream.BaseUrl, time: new ManualClock(Now));
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Answer_carries_the_text_the_response_id_and_the_hub_model_name()
    {
        _upstream.ModelVersion = "gemini-2.5-flash-preview-05-20";
        _upstream.Reply("Hello! How can I help?");

        var completion = await _harness.CompleteAsync();

        Assert.Equal("Hello! How can I help?", completion.Content);
        Assert.StartsWith("fake", completion.Id, StringComparison.Ordinal);
        Assert.Equal("google/gemini-2.5-flash", completion.Model);
        Assert.Equal(Now, completion.Created);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Null(completion.SystemFingerprint);
    }

    [Fact]
    public async Task Echo_answer_reaches_the_caller_whole()
    {
        var completion = await _harness.CompleteAsync();

        Assert.Equal("You said: Hello there", completion.Content);
        Assert.Equal(new TokenUsage(2, 4), completion.Usage);
    }

    [Fact]
    public async Task Usage_counts_thinking_as_completion_and_reports_cached_prompt_tokens()
    {
        _upstream.Reply(
            "Paris.",
            new FakeGeminiUpstream.UsageMetadata(PromptTokens: 1200, CandidatesTokens: 3, CachedTokens: 1024, ThoughtsTokens: 250),
            thought: "The user asks for the capital of France.");

        var completion = await _harness.CompleteAsync();

        Assert.Equal(new TokenUsage(PromptTokens: 1200, CompletionTokens: 253, CachedPromptTokens: 1024), completion.Usage);
    }

    [Fact]
    public async Task Thought_summaries_are_not_part_of_the_answer()
    {
        _upstream.Reply("Paris.", thought: "**Answering** The capital of France is Paris.");

        var completion = await _harness.CompleteAsync();

        Assert.Equal("Paris.", completion.Content);
    }

    [Theory]
    [InlineData("STOP", "stop")]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    [InlineData("BLOCKLIST", "content_filter")]
    [InlineData("PROHIBITED_CONTENT", "content_filter")]
    [InlineData("SPII", "content_filter")]
    [InlineData("IMAGE_SAFETY", "content_filter")]
    [InlineData("LANGUAGE", "stop")]
    [InlineData("OTHER", "stop")]
    [InlineData("MALFORMED_FUNCTION_CALL", "stop")]
    [InlineData("FINISH_REASON_UNSPECIFIED", "stop")]
    [InlineData("SOMETHING_NEW", "stop")]
    public async Task Finish_reason_is_told_in_the_hubs_vocabulary(string geminiReason, string hubReason)
    {
        _upstream.Reply("partial", finishReason: geminiReason);

        var completion = await _harness.CompleteAsync();

        Assert.Equal(hubReason, completion.FinishReason);
    }

    [Theory]
    [InlineData("SAFETY")]
    [InlineData("PROHIBITED_CONTENT")]
    public async Task Blocked_prompt_is_rejected_with_the_block_reason(string blockReason)
    {
        _upstream.BlockPrompt(blockReason);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync());

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal($"The google provider blocked the prompt and gave no answer (block reason {blockReason}).", error.Message);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task Several_text_parts_and_a_missing_index_and_counts_are_read_as_gemini_writes_them()
    {
        await using var harness = Stubbed(
            """
            {"candidates":[{"content":{"parts":[{"text":"One, "},{"functionCall":{"name":"f","args":{}}},{"text":"two."}],"role":"model"},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":5,"totalTokenCount":5},"modelVersion":"gemini-2.0-flash"}
            """);

        var completion = await harness.CompleteAsync();

        Assert.Equal("One, two.", completion.Content);
        Assert.Equal(new TokenUsage(5, 0), completion.Usage);
        Assert.StartsWith("gemini-", completion.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_first_candidate_is_relayed()
    {
        await using var harness = Stubbed(
            """
            {"candidates":[
              {"content":{"parts":[{"text":"second"}],"role":"model"},"finishReason":"MAX_TOKENS","index":1},
              {"content":{"parts":[{"text":"first"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"totalTokenCount":7},"responseId":"r-1"}
            """);

        var completion = await harness.CompleteAsync();

        Assert.Equal("first", completion.Content);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal("r-1", completion.Id);
    }

    [Fact]
    public async Task Candidate_filtered_before_any_text_has_no_content()
    {
        await using var harness = Stubbed(
            """{"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9}}""");

        var completion = await harness.CompleteAsync();

        Assert.Null(completion.Content);
        Assert.Equal("content_filter", completion.FinishReason);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"candidates":"nope"}""")]
    [InlineData("""{"usageMetadata":{"promptTokenCount":3}}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"x"}]}}],"usageMetadata":{"promptTokenCount":-1}}""")]
    public async Task Malformed_response_is_reported_as_unavailable(string body)
    {
        await using var harness = Stubbed(body);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider returned a malformed response.", error.Message);
    }

    private static GeminiHarness Stubbed(string body) =>
        GeminiHarness.Create(
            GeminiAdapterOptions.DefaultBaseUrl,
            handler: new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }));
}
