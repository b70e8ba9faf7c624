using System.Net;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.UnitTests.Providers.Configured;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>
/// The providers of the OpenAI Chat Completions family, set up from configuration as the hub sets them up, each sending
/// to its own documented endpoint with its own quirks. A stub handler answers: nothing leaves the process.
/// </summary>
public sealed class OpenAICompatibleProviderTests
{
    private const string Completion =
        """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"served-model","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    private const string StreamedCompletion =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"served-model\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: [DONE]\n\n";

    [Theory]
    [InlineData("OpenAI", "openai", "https://api.openai.com/v1/chat/completions")]
    [InlineData("DeepSeek", "deepseek", "https://api.deepseek.com/chat/completions")]
    [InlineData("OpenRouter", "openrouter", "https://openrouter.ai/api/v1/chat/completions")]
    [InlineData("XAI", "xai", "https://api.x.ai/v1/chat/completions")]
    [InlineData("Doubao", "doubao", "https://ark.cn-beijing.volces.com/api/v3/chat/completions")]
    [InlineData("Poe", "poe", "https://api.poe.com/v1/chat/completions")]
    public async Task Provider_posts_to_its_documented_endpoint_with_its_key_and_prefixes_its_models(string section, string provider, string endpoint)
    {
        var handler = Answering();
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { [$"Providers:{section}:ApiKey"] = $"{provider}-key-0123" }, handler);

        var (completion, _) = await services.Provider(provider).CompleteAsync(Requests.Hello("some-model"), CancellationToken.None);

        var sent = handler.LastRequest;
        Assert.Equal(new Uri(endpoint), sent.Uri);
        Assert.Equal($"Bearer {provider}-key-0123", sent.Header("Authorization"));
        Assert.Equal($"{provider}/served-model", completion.Model);
        Assert.Equal(new TokenUsage(3, 1), completion.Usage);
    }

    [Theory]
    [InlineData("http://127.0.0.1:11434/v1")]
    [InlineData("http://127.0.0.1:11434/v1/")]
    public async Task Ollama_without_a_key_sends_no_authorization_header(string baseUrl)
    {
        var handler = Answering();
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:Ollama:BaseUrl"] = baseUrl }, handler);

        var (completion, _) = await services.Provider("ollama").CompleteAsync(Requests.Hello("llama3.2"), CancellationToken.None);

        Assert.Equal(new Uri("http://127.0.0.1:11434/v1/chat/completions"), handler.LastRequest.Uri);
        Assert.Null(handler.LastRequest.Header("Authorization"));
        Assert.Equal("ollama/served-model", completion.Model);
    }

    [Fact]
    public async Task Ollama_with_a_key_sends_it_as_a_bearer_token()
    {
        var handler = Answering();
        using var services = ConfiguredProvidersHost.Build(
            new Dictionary<string, string?> { ["Providers:Ollama:BaseUrl"] = "https://ollama.com/v1", ["Providers:Ollama:ApiKey"] = "ollama-cloud-key" },
            handler);

        await services.Provider("ollama").StreamAsync(Requests.Hello("gpt-oss:20b"), CancellationToken.None).ToListAsync();

        Assert.Equal(new Uri("https://ollama.com/v1/chat/completions"), handler.LastRequest.Uri);
        Assert.Equal("Bearer ollama-cloud-key", handler.LastRequest.Header("Authorization"));
    }

    [Fact]
    public async Task DeepSeek_cache_hits_are_reported_as_cached_prompt_tokens()
    {
        var handler = Answering(
            """{"id":"c","object":"chat.completion","created":1,"model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}}""");
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:DeepSeek:ApiKey"] = "sk-deepseek" }, handler);

        var (completion, _) = await services.Provider("deepseek").CompleteAsync(Requests.Hello("deepseek-chat"), CancellationToken.None);

        Assert.Equal(new TokenUsage(100, 5, 64), completion.Usage);
    }

    [Fact]
    public async Task DeepSeek_cache_hits_in_a_streamed_usage_chunk_are_reported_as_cached_prompt_tokens()
    {
        var handler = Answering(
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":2,\"total_tokens\":42,\"prompt_cache_hit_tokens\":32,\"prompt_cache_miss_tokens\":8}}\n\n" +
            "data: [DONE]\n\n",
            "text/event-stream");
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:DeepSeek:ApiKey"] = "sk-deepseek" }, handler);

        var updates = await services.Provider("deepseek").StreamAsync(Requests.Hello("deepseek-chat"), CancellationToken.None).ToListAsync();

        Assert.Equal(new TokenUsage(40, 2, 32), updates[^1].Value.Usage);
        Assert.All(updates, u => Assert.Equal("deepseek/deepseek-chat", u.Value.Model));
    }

    [Fact]
    public async Task Cache_hit_alias_is_a_deepseek_quirk_not_read_for_other_providers()
    {
        var handler = Answering(
            """{"id":"c","choices":[{"index":0,"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_cache_hit_tokens":64}}""");
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:XAI:ApiKey"] = "xai-key" }, handler);

        var (completion, _) = await services.Provider("xai").CompleteAsync(Requests.Hello("grok-4"), CancellationToken.None);

        Assert.Equal(new TokenUsage(100, 5), completion.Usage);
    }

    [Fact]
    public async Task OpenRouter_sends_no_attribution_headers_unless_configured()
    {
        var handler = Answering();
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:OpenRouter:ApiKey"] = "sk-or-key" }, handler);

        await services.Provider("openrouter").CompleteAsync(Requests.Hello("openai/gpt-4o"), CancellationToken.None);

        Assert.Null(handler.LastRequest.Header("HTTP-Referer"));
        Assert.Null(handler.LastRequest.Header("X-OpenRouter-Title"));
        Assert.Null(handler.LastRequest.Header("X-Title"));
    }

    [Fact]
    public async Task OpenRouter_sends_the_configured_attribution_headers_and_no_other_provider_does()
    {
        var handler = Answering();
        using var services = ConfiguredProvidersHost.Build(
            new Dictionary<string, string?>
            {
                ["Providers:OpenRouter:ApiKey"] = "sk-or-key",
                ["Providers:OpenRouter:AppUrl"] = "https://hub.example.com",
                ["Providers:OpenRouter:AppTitle"] = "Example Hub",
                ["Providers:OpenAI:ApiKey"] = "sk-openai",
            },
            handler);
        services.ValidateOnStart();

        await services.Provider("openrouter").StreamAsync(Requests.Hello("openai/gpt-4o"), CancellationToken.None).ToListAsync();
        var toOpenRouter = handler.LastRequest;
        await services.Provider("openai").CompleteAsync(Requests.Hello(), CancellationToken.None);
        var toOpenAI = handler.LastRequest;

        Assert.Equal("https://hub.example.com", toOpenRouter.Header("HTTP-Referer"));
        Assert.Equal("Example Hub", toOpenRouter.Header("X-OpenRouter-Title"));
        Assert.Null(toOpenAI.Header("HTTP-Referer"));
        Assert.Null(toOpenAI.Header("X-OpenRouter-Title"));
    }

    private const string LongTitle = "A title that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on";

    [Theory]
    [InlineData("hub.example.com", null, "Providers:OpenRouter:AppUrl must be an absolute http or https URL.")]
    [InlineData(null, "Hub\r\nX-Injected: 1", "Providers:OpenRouter:AppTitle must be printable ASCII: it is sent as an HTTP header.")]
    [InlineData(null, "中文应用", "Providers:OpenRouter:AppTitle must be printable ASCII: it is sent as an HTTP header.")]
    [InlineData(null, "Hub\u0000", "Providers:OpenRouter:AppTitle must be printable ASCII: it is sent as an HTTP header.")]
    [InlineData("https://hub.example.com/\r\nX-Injected: 1", null, "Providers:OpenRouter:AppUrl must be printable ASCII: it is sent as an HTTP header.")]
    [InlineData(null, LongTitle, "Providers:OpenRouter:AppTitle must be at most 256 characters: it is sent as an HTTP header.")]
    public void Unusable_attribution_fails_start_up_naming_the_key(string? appUrl, string? appTitle, string expected)
    {
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?>
        {
            ["Providers:OpenRouter:AppUrl"] = appUrl,
            ["Providers:OpenRouter:AppTitle"] = appTitle,
        });

        Assert.Equal([expected], services.StartupFailures());
    }

    [Theory]
    [InlineData("DeepSeek", "deepseek")]
    [InlineData("Doubao", "doubao")]
    public async Task Error_messages_name_the_provider_that_failed(string section, string provider)
    {
        var handler = new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent("""{"error":{"message":"overloaded","type":"server_error"}}""", Encoding.UTF8, "application/json"),
        });
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { [$"Providers:{section}:ApiKey"] = "key-0123" }, handler);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            () => services.Provider(provider).CompleteAsync(Requests.Hello(), CancellationToken.None));

        Assert.Equal(provider, error.Provider);
        Assert.Equal($"The {provider} provider failed (HTTP 503).", error.Message);
    }

    [Fact]
    public async Task Upstream_message_quoting_the_key_is_masked_for_every_provider()
    {
        const string key = "ark-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        var handler = new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent($$$"""{"error":{"message":"The API key {{{key}}} is not allowed to use this model","code":"InvalidParameter"}}""", Encoding.UTF8, "application/json"),
        });
        using var services = ConfiguredProvidersHost.Build(new Dictionary<string, string?> { ["Providers:Doubao:ApiKey"] = key }, handler);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            () => services.Provider("doubao").CompleteAsync(Requests.Hello("doubao-seed-1-6"), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The doubao provider rejected the request: The API key **** is not allowed to use this model", error.Message);
    }

    private static StubHttpMessageHandler Answering(string body, string mediaType = "application/json") =>
        new(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, mediaType) });

    /// <summary>A JSON completion, or an event stream when the request accepts one.</summary>
    private static StubHttpMessageHandler Answering() =>
        new(request => request.Headers.Accept.ToString() == "text/event-stream"
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(StreamedCompletion, Encoding.UTF8, "text/event-stream") }
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Completion, Encoding.UTF8, "application/json") });
}
