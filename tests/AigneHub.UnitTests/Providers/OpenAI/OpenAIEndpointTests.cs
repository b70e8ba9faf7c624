using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.OpenAI;

namespace AigneHub.UnitTests.Providers.OpenAI;

public sealed class OpenAIEndpointTests
{
    [Theory]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.deepseek.com", "https://api.deepseek.com/chat/completions")]
    [InlineData("https://api.deepseek.com/", "https://api.deepseek.com/chat/completions")]
    [InlineData("http://127.0.0.1:11434/v1?ignored=1", "http://127.0.0.1:11434/v1/chat/completions")]
    public void Endpoint_is_the_base_url_joined_with_one_slash(string baseUrl, string expected)
    {
        Assert.Equal(new Uri(expected), OpenAIChatAdapter.ResolveEndpoint(new Uri(baseUrl)));
    }

    [Theory]
    [InlineData("ftp://api.openai.com/v1")]
    [InlineData("file:///v1")]
    public void Target_whose_base_url_is_not_http_is_refused(string baseUrl)
    {
        Assert.Throws<ArgumentException>(() => OpenAIChatAdapter.ResolveEndpoint(new Uri(baseUrl)));
    }

    [Fact]
    public async Task Target_with_a_relative_base_url_is_refused_before_anything_is_sent()
    {
        var handler = new StubHttpMessageHandler(_ => throw new InvalidOperationException("Nothing should be sent."));
        await using var harness = OpenAIAdapterHarness.Create("https://api.openai.test/v1", handler: handler);
        var target = harness.Target with { BaseUrl = new Uri("/v1", UriKind.Relative) };

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Adapter.CompleteAsync(target, Requests.Hello(), CancellationToken.None));
        Assert.Empty(handler.Requests);
    }
}
