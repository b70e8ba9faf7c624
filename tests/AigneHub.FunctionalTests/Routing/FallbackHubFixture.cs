using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Routing;

[CollectionDefinition(Name)]
public sealed class FallbackCollection : ICollectionFixture<FallbackHubFixture>
{
    public const string Name = "fallbacks";
}

/// <summary>
/// The common hub plus three more providers, each on a fake upstream of its own so a test can make one fail and
/// another answer: DeepSeek serves <c>chain-first</c>, xAI <c>chain-second</c>, OpenRouter <c>chain-third</c>, and
/// the operator's rule chains them in that order for <c>deepseek/chain-first</c>.
/// </summary>
public sealed class FallbackHubFixture : HubFixture, IAsyncLifetime
{
    public FakeOpenAIUpstream First { get; private set; } = null!;

    public FakeOpenAIUpstream Second { get; private set; } = null!;

    public FakeOpenAIUpstream Third { get; private set; } = null!;

    /// <summary>Every upstream of the chain (the common OpenAI one too) back to answering.</summary>
    public void ResetUpstreams()
    {
        foreach (var upstream in new[] { Upstream, First, Second, Third })
        {
            upstream.Reset();
        }
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        First = await FakeOpenAIUpstream.StartAsync();
        Second = await FakeOpenAIUpstream.StartAsync();
        Third = await FakeOpenAIUpstream.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        foreach (var upstream in new[] { First, Second, Third })
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }
        }
    }

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings(FakeOpenAIUpstream upstream) =>
    [
        new("Providers:DeepSeek:BaseUrl", First.BaseUrl),
        new("Providers:DeepSeek:ApiKey", UpstreamApiKey),
        new("Providers:DeepSeek:Models:0", "chain-first"),
        new("Providers:XAI:BaseUrl", Second.BaseUrl),
        new("Providers:XAI:ApiKey", UpstreamApiKey),
        new("Providers:XAI:Models:0", "chain-second"),
        new("Providers:OpenRouter:BaseUrl", Third.BaseUrl),
        new("Providers:OpenRouter:ApiKey", UpstreamApiKey),
        new("Providers:OpenRouter:Models:0", "chain-third"),
        new("Routing:Fallbacks:0:Model", "deepseek/chain-first"),
        new("Routing:Fallbacks:0:Models:0", "xai/chain-second"),
        new("Routing:Fallbacks:0:Models:1", "openrouter/chain-third"),
        new("Routing:Fallbacks:0:On:0", "RateLimited"),
        new("Routing:Fallbacks:0:On:1", "ServerError"),
    ];
}
