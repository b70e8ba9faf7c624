using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Bedrock;

public sealed class BedrockConverseAdapterTests : IAsyncLifetime
{
    private FakeBedrockUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeBedrockUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task A_signed_converse_call_returns_the_answer_under_the_hubs_model_name()
    {
        _upstream.Reply(["Hi ", "there"], new FakeBedrockUsage(12, 2, CacheReadInputTokens: 4));
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(BedrockAdapterHarness.Hello());

        Assert.Equal("Hi there", completion.Content);
        Assert.Equal("bedrock/" + BedrockAdapterHarness.Model, completion.Model);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal(new TokenUsage(16, 2, 4), completion.Usage);
        Assert.False(string.IsNullOrEmpty(completion.Id));
    }

    [Fact]
    public async Task The_model_id_travels_escaped_in_the_path_and_the_request_is_signed_for_bedrock()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await harness.CompleteAsync(BedrockAdapterHarness.Hello());

        var request = _upstream.LastRequest;
        Assert.Equal("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", request.Path);
        Assert.StartsWith(
            $"AWS4-HMAC-SHA256 Credential={FakeBedrockUpstream.DefaultAccessKeyId}/",
            request.Authorization,
            StringComparison.Ordinal);
        Assert.Contains("/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, ", request.Authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_body_has_the_converse_shape()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [
                new ChatMessage(ChatRole.System, "Be brief."),
                new ChatMessage(ChatRole.User, "First"),
                new ChatMessage(ChatRole.User, null, [new TextPart("Look:"), new ImagePart("data:image/png;base64,iVBORw0KGgo=", null)]),
                new ChatMessage(ChatRole.Assistant, "Seen."),
                new ChatMessage(ChatRole.User, "Bye"),
            ],
            new ChatSettings { MaxTokens = 50, Temperature = 0.5, TopP = 0.9, Stop = ["END"], Seed = 3 });

        await harness.CompleteAsync(request);

        using var body = _upstream.LastRequest.Json();
        var root = body.RootElement;
        Assert.Equal("Be brief.", root.GetProperty("system")[0].GetProperty("text").GetString());
        var messages = root.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var firstTurn = messages[0].GetProperty("content");
        Assert.Equal("First", firstTurn[0].GetProperty("text").GetString());
        Assert.Equal("Look:", firstTurn[1].GetProperty("text").GetString());
        var image = firstTurn[2].GetProperty("image");
        Assert.Equal("png", image.GetProperty("format").GetString());
        Assert.Equal("iVBORw0KGgo=", image.GetProperty("source").GetProperty("bytes").GetString());
        var config = root.GetProperty("inferenceConfig");
        Assert.Equal(50, config.GetProperty("maxTokens").GetInt32());
        Assert.Equal(0.5, config.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, config.GetProperty("topP").GetDouble());
        Assert.Equal("END", config.GetProperty("stopSequences")[0].GetString());
        Assert.False(root.TryGetProperty("seed", out _));
        Assert.False(root.TryGetProperty("model", out _));
    }

    [Fact]
    public async Task An_image_by_address_is_rejected_before_anything_is_sent()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [new ChatMessage(ChatRole.User, null, [new ImagePart("https://example.com/cat.png", null)])],
            ChatSettings.Default);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Empty(_upstream.Requests);
    }

    [Theory]
    [InlineData("max_tokens", "length")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("guardrail_intervened", "content_filter")]
    [InlineData("content_filtered", "content_filter")]
    public async Task Stop_reasons_map_to_openai_finish_reasons(string stopReason, string finishReason)
    {
        _upstream.Reply(["x"], stopReason: stopReason);
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(BedrockAdapterHarness.Hello());
        var updates = await harness.CollectAsync(BedrockAdapterHarness.Hello());

        Assert.Equal(finishReason, completion.FinishReason);
        Assert.Equal(finishReason, updates.Single(u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task A_stream_relays_role_deltas_finish_and_usage_from_binary_event_frames()
    {
        _upstream.Reply(["Hel", "lo", "!"], new FakeBedrockUsage(7, 3));
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var updates = await harness.CollectAsync(BedrockAdapterHarness.Hello());

        Assert.Equal("assistant", updates[0].Role);
        Assert.Equal("Hello!", string.Concat(updates.Select(u => u.ContentDelta)));
        Assert.Equal("stop", updates[^2].FinishReason);
        Assert.Equal(new TokenUsage(7, 3), updates[^1].Usage);
        Assert.All(updates, u => Assert.Equal("bedrock/" + BedrockAdapterHarness.Model, u.Model));
        Assert.Equal("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", _upstream.LastRequest.Path);
        Assert.Equal("application/vnd.amazon.eventstream", _upstream.LastRequest.Header("Accept"));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_signature_check_as_upstream_auth_without_leaking_the_secret()
    {
        const string WrongSecret = "wRoNg/SeCrEt+kEy0123456789abcdefGHIJKLMN";
        await using var harness = BedrockAdapterHarness.Create(_upstream, secretAccessKey: WrongSecret);

        var unary = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(BedrockAdapterHarness.Hello()));
        var streamed = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello()));

        foreach (var error in new[] { unary, streamed })
        {
            Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
            Assert.Equal(403, error.UpstreamStatus);
            Assert.DoesNotContain(WrongSecret, error.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains(WrongSecret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(403, "AccessDeniedException", ErrorKind.UpstreamAuth)]
    [InlineData(401, "UnrecognizedClientException", ErrorKind.UpstreamAuth)]
    [InlineData(429, "ThrottlingException", ErrorKind.UpstreamRateLimited)]
    [InlineData(400, "ValidationException", ErrorKind.UpstreamRejected)]
    [InlineData(404, "ResourceNotFoundException", ErrorKind.UpstreamRejected)]
    [InlineData(500, "InternalServerException", ErrorKind.UpstreamUnavailable)]
    [InlineData(503, "ServiceUnavailableException", ErrorKind.UpstreamUnavailable)]
    [InlineData(429, "ModelNotReadyException", ErrorKind.UpstreamUnavailable)]
    [InlineData(502, "SomethingNew", ErrorKind.UpstreamUnavailable)]
    public async Task Http_errors_map_by_type_and_status(int status, string type, ErrorKind kind)
    {
        _upstream.Fail(status, type, "Something went wrong");
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var unary = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(BedrockAdapterHarness.Hello()));
        var streamed = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(kind, unary.Kind);
        Assert.Equal(kind, streamed.Kind);
        Assert.Equal(status, unary.UpstreamStatus);
    }

    [Fact]
    public async Task A_validation_error_relays_bedrocks_message_scrubbed_of_the_secret()
    {
        _upstream.Fail(400, "ValidationException", $"The model rejected key {FakeBedrockUpstream.DefaultSecretAccessKey} as input");
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.StartsWith("The bedrock provider rejected the request: The model rejected key ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeBedrockUpstream.DefaultSecretAccessKey, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("throttlingException", ErrorKind.UpstreamRateLimited)]
    [InlineData("validationException", ErrorKind.UpstreamRejected)]
    [InlineData("modelStreamErrorException", ErrorKind.UpstreamUnavailable)]
    [InlineData("internalServerException", ErrorKind.UpstreamUnavailable)]
    public async Task An_exception_message_mid_stream_fails_the_stream_after_the_relayed_text(string exceptionType, ErrorKind kind)
    {
        _upstream.FailMidStream(exceptionType, "Stream broke", "partial ");
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var received = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in harness.StreamAsync(BedrockAdapterHarness.Hello()))
            {
                received.Add(update);
            }
        });

        Assert.Equal(kind, error.Kind);
        Assert.Equal("partial ", string.Concat(received.Select(u => u.ContentDelta)));
    }

    [Fact]
    public async Task A_frame_with_a_bad_checksum_fails_the_stream_as_upstream_unavailable()
    {
        _upstream.CorruptStream("ok ");
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_that_ends_before_message_stop_fails()
    {
        _upstream.TruncateStream("cut ");
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
    }

    [Fact]
    public async Task A_stalled_stream_times_out_but_the_callers_cancellation_stays_a_cancellation()
    {
        _upstream.StallStream("slow ");
        await using var harness = BedrockAdapterHarness.Create(_upstream, new Dictionary<string, string?> { ["StreamIdleTimeoutSeconds"] = "1" });

        var timedOut = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello()));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.CollectAsync(BedrockAdapterHarness.Hello(), cancel.Token));

        Assert.Equal(ErrorKind.UpstreamTimeout, timedOut.Kind);
    }

    [Fact]
    public async Task A_hung_upstream_times_out_a_unary_call()
    {
        _upstream.Hang();
        await using var harness = BedrockAdapterHarness.Create(_upstream, new Dictionary<string, string?> { ["TimeoutSeconds"] = "1" });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
    }

    [Fact]
    public async Task Stopping_early_closes_the_upstream_connection()
    {
        _upstream.StallStream("first ");
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await foreach (var update in harness.StreamAsync(BedrockAdapterHarness.Hello()))
        {
            if (update.ContentDelta is { Length: > 0 })
            {
                break;
            }
        }

        await _upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_api_key_credential_cannot_sign_and_fails_as_upstream_auth()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var target = harness.Target with { Credential = ProviderCredential.ForApiKey("cred-key", "sk-not-a-key-pair") };

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.Adapter.CompleteAsync(target, BedrockAdapterHarness.Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task A_region_other_than_the_endpoints_is_refused_by_the_signature_check()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream, region: "eu-west-1");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(BedrockAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
    }

    [Theory]
    [InlineData("bedrock", "us-east-1", "https://bedrock-runtime.us-east-1.amazonaws.com/")]
    [InlineData("bedrock", "us-gov-west-1", "https://bedrock-runtime.us-gov-west-1.amazonaws.com/")]
    [InlineData("bedrock", "evil.com/x", null)]
    [InlineData("bedrock", null, null)]
    [InlineData("anthropic", "us-east-1", null)]
    public void The_default_endpoint_comes_from_a_well_formed_region(string provider, string? region, string? expected)
    {
        Assert.Equal(expected, BedrockEndpoint.DefaultFor(provider, region)?.ToString());
    }

    [Fact]
    public void The_region_is_read_back_from_a_regional_endpoint()
    {
        Assert.Equal("eu-central-1", BedrockEndpoint.RegionOf(new Uri("https://bedrock-runtime.eu-central-1.amazonaws.com")));
        Assert.Null(BedrockEndpoint.RegionOf(new Uri("http://127.0.0.1:8080")));
    }

    [Fact]
    public void Options_out_of_range_are_reported()
    {
        var failures = new BedrockAdapterOptions { TimeoutSeconds = 0, StreamIdleTimeoutSeconds = 4000 }.Validate();

        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public async Task The_echo_answer_reports_one_input_token_per_word()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(BedrockAdapterHarness.Hello("one two three"));

        Assert.Equal("You said: one two three", completion.Content);
        Assert.Equal(3, completion.Usage.PromptTokens);
        _ = JsonDocument.Parse(_upstream.LastRequest.Body);
    }
}
