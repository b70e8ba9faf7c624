using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>What the provider puts on the wire, as the fake upstream received it.</summary>
public sealed class OpenAIChatRequestTests : IAsyncLifetime
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
    public async Task Request_body_carries_model_messages_and_settings_in_snake_case()
    {
        var request = new ProviderChatRequest(
            "gpt-4o-mini",
            [
                new ChatMessage(ChatRole.System, "Be brief."),
                new ChatMessage(ChatRole.User, null, [new TextPart("What is this?"), new ImagePart("https://example.com/cat.png", "low")], name: "alice"),
                new ChatMessage(ChatRole.Assistant, null),
                new ChatMessage(ChatRole.Tool, "42", toolCallId: "call_1"),
            ],
            new ChatSettings
            {
                Temperature = 0.5,
                TopP = 0.9,
                MaxTokens = 100,
                Stop = ["\n\n", "END"],
                N = 1,
                Seed = 42,
                User = "user-1",
                PresencePenalty = 0.1,
                FrequencyPenalty = -0.2,
            });

        await _harness.CompleteAsync(request, CancellationToken.None);

        const string expected =
            """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}}],"name":"alice"},{"role":"assistant","content":null},{"role":"tool","content":"42","tool_call_id":"call_1"}],"temperature":0.5,"top_p":0.9,"max_completion_tokens":100,"stop":["\n\n","END"],"n":1,"seed":42,"user":"user-1","presence_penalty":0.1,"frequency_penalty":-0.2}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData("openai", "max_completion_tokens")]
    [InlineData("deepseek", "max_tokens")]
    [InlineData("openrouter", "max_tokens")]
    public async Task The_output_limit_is_named_as_the_provider_expects_it(string provider, string field)
    {
        // OpenAI's reasoning models refuse max_tokens; the rest of the family knows only max_tokens.
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl, provider: provider);

        await harness.CompleteAsync(new ProviderChatRequest("m", [new ChatMessage(ChatRole.User, "hi")], new ChatSettings { MaxTokens = 7 }), CancellationToken.None);

        using var body = System.Text.Json.JsonDocument.Parse(_upstream.LastRequest.Body);
        Assert.Equal(7, body.RootElement.GetProperty(field).GetInt32());
        Assert.Single(body.RootElement.EnumerateObject(), p => p.Name.StartsWith("max_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unset_settings_and_image_detail_are_left_out()
    {
        var request = new ProviderChatRequest(
            "gpt-4o",
            [new ChatMessage(ChatRole.Developer, null, [new ImagePart("data:image/png;base64,iVBORw0KGgo=", null)])],
            ChatSettings.Default);

        await _harness.CompleteAsync(request, CancellationToken.None);

        const string expected =
            """{"model":"gpt-4o","messages":[{"role":"developer","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Streaming_request_asks_for_usage()
    {
        await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        const string expected =
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello there"}],"stream":true,"stream_options":{"include_usage":true}}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Text_outside_ascii_is_sent_unescaped()
    {
        var request = new ProviderChatRequest("gpt-4o-mini", [new ChatMessage(ChatRole.User, "héllo <b>你好</b> & \"bye\"")], ChatSettings.Default);

        await _harness.CompleteAsync(request, CancellationToken.None);

        Assert.Contains("""{"role":"user","content":"héllo <b>你好</b> & \"bye\""}""", _upstream.LastRequest.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_is_posted_to_chat_completions_with_the_key_as_bearer_token()
    {
        await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        var received = _upstream.LastRequest;
        Assert.Equal("POST", received.Method);
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Equal("Bearer " + OpenAIAdapterHarness.ApiKey, received.Authorization);
        Assert.Equal("application/json", received.Header("Accept"));
        Assert.StartsWith("application/json", received.Header("Content-Type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_request_accepts_an_event_stream()
    {
        await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.Equal("text/event-stream", _upstream.LastRequest.Header("Accept"));
        Assert.Equal("Bearer " + OpenAIAdapterHarness.ApiKey, _upstream.LastRequest.Authorization);
    }

    [Fact]
    public async Task Base_url_with_a_trailing_slash_is_joined_with_one_slash()
    {
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl + "/");

        await harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        Assert.Equal("/v1/chat/completions", _upstream.LastRequest.Path);
    }

    [Fact]
    public async Task Each_call_goes_where_and_as_whom_its_target_says()
    {
        var other = new ProviderTarget(
            "acme",
            new Uri(_upstream.BaseUrl + "/"),
            Region: null,
            ProviderCredential.ForApiKey("test:acme", "sk-acme-other-key-0123456789"));

        var first = await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);
        var firstAuthorization = _upstream.LastRequest.Authorization;
        var second = await _harness.Adapter.CompleteAsync(other, Requests.Hello("acme-large"), CancellationToken.None);

        Assert.Equal("Bearer " + OpenAIAdapterHarness.ApiKey, firstAuthorization);
        Assert.Equal("Bearer sk-acme-other-key-0123456789", _upstream.LastRequest.Authorization);
        Assert.Equal("openai/gpt-4o-mini", first.Model);
        Assert.Equal("acme/acme-large", second.Model);
    }

    [Fact]
    public async Task Target_without_a_key_sends_no_authorization_header()
    {
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl, provider: "ollama", apiKey: null);

        await harness.CompleteAsync(Requests.Hello("llama3.2"), CancellationToken.None);
        await harness.StreamAsync(Requests.Hello("llama3.2"), CancellationToken.None).ToListAsync();

        Assert.Equal(2, _upstream.Requests.Count);
        Assert.All(_upstream.Requests, request => Assert.Null(request.Authorization));
    }

    [Fact]
    public async Task Logs_hold_neither_the_key_nor_the_prompt_nor_the_answer()
    {
        _upstream.Reply("The secret answer");

        await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);
        await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.NotEmpty(_harness.Logs.Lines);
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains(OpenAIAdapterHarness.ApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains("Hello there", StringComparison.Ordinal));
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains("secret answer", StringComparison.Ordinal));
    }
}
