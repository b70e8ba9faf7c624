using System.Net;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>OpenAI's fields on a registered Anthropic provider: mapped where Anthropic has the idea, refused where not.</summary>
[Collection(HubCollection.Name)]
public sealed class AnthropicChatFieldsTests(HubFixture hub) : IAsyncLifetime
{
    private const string Model = "anthropic/claude-sonnet-4-5";

    private static readonly object Question = new { role = "user", content = "Why is the sky blue?" };

    private TestUpstreams.FakeAnthropicUpstream _anthropic = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await TestUpstreams.FakeAnthropicUpstream.StartAsync();
        await AnthropicProviderSetup.PointAtAsync(hub, _anthropic, Model);
    }

    public async Task DisposeAsync() => await _anthropic.DisposeAsync();

    [Fact]
    public async Task Reasoning_effort_becomes_an_anthropic_thinking_budget_below_max_tokens()
    {
        _anthropic.Reply("Rayleigh scattering.");

        using var response = await hub.PostChatAsync(new { model = Model, messages = new[] { Question }, reasoning_effort = "high", max_tokens = 10000 });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var sent = _anthropic.LastRequest.Json();
        Assert.Equal("""{"type":"enabled","budget_tokens":9999}""", sent.RootElement.GetProperty("thinking").GetRawText());
    }

    [Theory]
    [InlineData("logprobs", "true")]
    [InlineData("logit_bias", """{"50256":-100}""")]
    [InlineData("verbosity", "\"low\"")]
    [InlineData("web_search_options", "{}")]
    [InlineData("presence_penalty", "0.5")]
    public async Task A_field_anthropic_cannot_honour_is_refused_naming_it_before_any_upstream_call(string field, string value)
    {
        var json = $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Hello"}],"{{field}}":{{value}}}""";
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var before = _anthropic.RequestCount;

        using var response = await hub.Rest.PostAsync("/v1/chat/completions", content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(field, body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("Anthropic", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _anthropic.RequestCount);
    }

    [Fact]
    public async Task Reasoning_effort_with_a_temperature_anthropic_does_not_take_with_thinking_is_refused()
    {
        using var response = await hub.PostChatAsync(new { model = Model, messages = new[] { Question }, reasoning_effort = "low", temperature = 0.2, max_tokens = 4000 });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("reasoning_effort", body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("temperature", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
