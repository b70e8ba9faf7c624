using System.Text.Json.Nodes;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>What the adapter puts on the wire: URL, headers and the GenerateContentRequest body.</summary>
public sealed class GeminiRequestTests : IAsyncLifetime
{
    private FakeGeminiUpstream _upstream = null!;
    private GeminiHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeGeminiUpstream.StartAsync();
        _upstream.RequiredApiKey = GeminiHarness.ApiKey;
        _harness = GeminiHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Unary_call_posts_to_generate_content_of_the_model_with_the_key_in_its_header()
    {
        await _harness.CompleteAsync();

        var request = _upstream.LastRequest;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", request.Path);
        Assert.Equal(GeminiHarness.ApiKey, request.Header("x-goog-api-key"));
        Assert.Null(request.Authorization);
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("application/json", request.Header("Accept"));
    }

    [Fact]
    public async Task Streaming_call_posts_to_stream_generate_content_as_server_sent_events()
    {
        await _harness.StreamAsync().ToListAsync();

        var request = _upstream.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", request.Path);
        Assert.Equal(GeminiHarness.ApiKey, request.Header("x-goog-api-key"));
        Assert.Equal("text/event-stream", request.Header("Accept"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/v1beta")]
    [InlineData("/v1beta/")]
    public async Task Base_url_may_or_may_not_name_the_api_version(string suffix)
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl + suffix);

        await harness.CompleteAsync();

        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", _upstream.LastRequest.Path);
    }

    [Fact]
    public async Task Key_never_travels_in_the_url_even_when_the_base_url_carries_one()
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl + "/?key=" + GeminiHarness.ApiKey);

        await harness.CompleteAsync();
        await harness.StreamAsync().ToListAsync();

        Assert.All(_upstream.Requests, r => Assert.DoesNotContain("key=", r.Path, StringComparison.Ordinal));
        Assert.All(_upstream.Requests, r => Assert.DoesNotContain(GeminiHarness.ApiKey, r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Model_given_with_gemini_models_prefix_is_not_doubled()
    {
        await _harness.CompleteAsync(GeminiHarness.Hello("models/gemini-2.5-pro"));

        Assert.Equal("/v1beta/models/gemini-2.5-pro:generateContent", _upstream.LastRequest.Path);
    }

    [Fact]
    public async Task Conversation_becomes_system_instruction_and_alternating_user_and_model_turns()
    {
        var request = new ProviderChatRequest(
            GeminiHarness.Model,
            [
                new ChatMessage(ChatRole.System, "Be brief."),
                new ChatMessage(ChatRole.Developer, "Answer in English."),
                new ChatMessage(ChatRole.User, "Hi"),
                new ChatMessage(ChatRole.User, null, [new TextPart("What is this?"), new ImagePart("data:image/png;base64,iVBORw0KGgo=", "high")]),
                new ChatMessage(ChatRole.Assistant, "A cat."),
                new ChatMessage(ChatRole.Assistant, "Anything else?"),
                new ChatMessage(ChatRole.Tool, "42", name: "lookup", toolCallId: "call_1"),
                new ChatMessage(ChatRole.User, "Thanks"),
            ],
            new ChatSettings
            {
                Temperature = 0.5,
                TopP = 0.9,
                MaxTokens = 256,
                Stop = ["END"],
                N = 1,
                Seed = 7,
                User = "user-1",
                PresencePenalty = 0.5,
                FrequencyPenalty = -0.25,
            });

        await _harness.CompleteAsync(request);

        AssertJson(
            """
            {
              "systemInstruction": { "parts": [ { "text": "Be brief." }, { "text": "Answer in English." } ] },
              "contents": [
                {
                  "role": "user",
                  "parts": [
                    { "text": "Hi" },
                    { "text": "What is this?" },
                    { "inline_data": { "mime_type": "image/png", "data": "iVBORw0KGgo=" } }
                  ]
                },
                { "role": "model", "parts": [ { "text": "A cat." }, { "text": "Anything else?" } ] },
                {
                  "role": "user",
                  "parts": [
                    { "functionResponse": { "name": "lookup", "response": { "output": "42" } } },
                    { "text": "Thanks" }
                  ]
                }
              ],
              "generationConfig": {
                "temperature": 0.5,
                "topP": 0.9,
                "maxOutputTokens": 256,
                "stopSequences": [ "END" ],
                "seed": 7,
                "presencePenalty": 0.5,
                "frequencyPenalty": -0.25
              }
            }
            """,
            _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Default_settings_send_no_generation_config_and_no_system_instruction()
    {
        await _harness.StreamAsync().ToListAsync();

        AssertJson("""{ "contents": [ { "role": "user", "parts": [ { "text": "Hello there" } ] } ] }""", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Messages_without_parts_are_left_out_so_no_turn_is_empty()
    {
        var request = Conversation(
            new ChatMessage(ChatRole.User, "Call the tool"),
            new ChatMessage(ChatRole.Assistant, null),
            new ChatMessage(ChatRole.Assistant, string.Empty),
            new ChatMessage(ChatRole.User, null, [new TextPart(string.Empty), new TextPart("And tomorrow?")]));

        await _harness.CompleteAsync(request);

        AssertJson(
            """
            {
              "contents": [
                {
                  "role": "user",
                  "parts": [
                    { "text": "Call the tool" },
                    { "text": "And tomorrow?" }
                  ]
                }
              ]
            }
            """,
            _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData("https://example.com/photos/cat.PNG?size=large", "image/png")]
    [InlineData("https://example.com/cat.jpeg", "image/jpeg")]
    [InlineData("https://example.com/cat.jpg", "image/jpeg")]
    [InlineData("https://example.com/cat.webp", "image/webp")]
    [InlineData("http://example.com/cat.gif", "image/gif")]
    [InlineData("https://example.com/cat.heic", "image/heic")]
    public async Task Image_url_becomes_file_data_with_the_type_its_extension_names(string url, string mimeType)
    {
        await _harness.CompleteAsync(Conversation(new ChatMessage(ChatRole.User, null, [new ImagePart(url, null)])));

        using var body = _upstream.LastRequest.Json();
        var fileData = body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("file_data");
        Assert.Equal(mimeType, fileData.GetProperty("mime_type").GetString());
        Assert.Equal(url, fileData.GetProperty("file_uri").GetString());
    }

    [Fact]
    public async Task Image_url_without_a_known_extension_leaves_the_type_to_gemini()
    {
        await _harness.CompleteAsync(Conversation(new ChatMessage(ChatRole.User, null, [new ImagePart("https://cdn.example.com/render?id=42", null)])));

        using var body = _upstream.LastRequest.Json();
        var fileData = body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("file_data");
        Assert.False(fileData.TryGetProperty("mime_type", out _));
        Assert.Equal("https://cdn.example.com/render?id=42", fileData.GetProperty("file_uri").GetString());
    }

    [Fact]
    public async Task Data_url_without_base64_is_percent_decoded_and_sent_in_base64()
    {
        await _harness.CompleteAsync(Conversation(
            new ChatMessage(ChatRole.User, null, [new ImagePart("data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E", null)])));

        using var body = _upstream.LastRequest.Json();
        var inlineData = body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("inline_data");
        Assert.Equal("image/svg+xml", inlineData.GetProperty("mime_type").GetString());
        Assert.Equal(Convert.ToBase64String("<svg/>"u8.ToArray()), inlineData.GetProperty("data").GetString());
    }

    [Theory]
    [InlineData("data:image/png;base64")]
    [InlineData("data:;base64,iVBORw0KGgo=")]
    [InlineData("ftp://example.com/cat.png")]
    public async Task Image_that_gemini_cannot_take_is_refused_before_anything_is_sent(string url)
    {
        var request = Conversation(new ChatMessage(ChatRole.User, null, [new ImagePart(url, null)]));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("google", error.Provider);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Theory]
    [InlineData("none", 0)]
    [InlineData("low", 1024)]
    [InlineData("high", 24576)]
    public async Task Reasoning_effort_becomes_geminis_thinking_budget(string effort, int budget)
    {
        var hello = GeminiHarness.Hello();

        await _harness.CompleteAsync(hello with { Settings = new ChatSettings { ReasoningEffort = effort } });

        using var body = _upstream.LastRequest.Json();
        Assert.Equal(budget, body.RootElement.GetProperty("generationConfig").GetProperty("thinkingConfig").GetProperty("thinkingBudget").GetInt32());
    }

    [Fact]
    public async Task Log_probabilities_are_refused_naming_the_field_before_anything_is_sent()
    {
        var hello = GeminiHarness.Hello();

        var error = await Assert.ThrowsAsync<RequestValidationException>(
            () => _harness.CompleteAsync(hello with { Settings = new ChatSettings { Logprobs = true } }));

        Assert.Equal("logprobs", Assert.Single(error.Violations).Field);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Non_ascii_text_is_not_escaped_and_arrives_intact()
    {
        const string Text = "你好 🌍 \"quoted\" <b>";

        await _harness.CompleteAsync(Conversation(new ChatMessage(ChatRole.User, Text)));

        Assert.Contains("你好", _upstream.LastRequest.Body, StringComparison.Ordinal);
        Assert.Contains("<b>", _upstream.LastRequest.Body, StringComparison.Ordinal);
        using var body = _upstream.LastRequest.Json();
        Assert.Equal(Text, body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Credential_without_an_api_key_is_a_hub_bug_not_an_upstream_failure()
    {
        var target = _harness.Target with { Credential = ProviderCredential.ForAccessKeyPair("pair-1", "AKIAEXAMPLE", "secret") };

        await Assert.ThrowsAsync<ArgumentException>(() => _harness.Adapter.CompleteAsync(target, GeminiHarness.Hello(), CancellationToken.None));
        Assert.Equal(0, _upstream.RequestCount);
    }

    private static ProviderChatRequest Conversation(params ChatMessage[] messages) => new(GeminiHarness.Model, messages, ChatSettings.Default);

    private static void AssertJson(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"Expected {expectedNode?.ToJsonString()}\nActual   {actualNode?.ToJsonString()}");
    }
}
