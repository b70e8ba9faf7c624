using AigneHub.Application.Errors;
using AigneHub.Application.Providers.Queries.GetHubStatus;

namespace AigneHub.UnitTests.Application.Providers;

/// <summary>The hub's availability (GET /api/v2/status and Hub.GetHubStatus) through the real Mediator pipeline.</summary>
public sealed class GetHubStatusTests
{
    [Fact]
    public async Task The_hub_is_available_when_some_provider_is_ready()
    {
        using var harness = new ApplicationHarness(new ScriptedProvider("openai"));

        var status = await harness.Mediator.Send(new GetHubStatusQuery(null));

        Assert.Equal(new HubStatusView(true, null), status);
    }

    [Fact]
    public async Task The_hub_without_a_ready_provider_is_unavailable()
    {
        using var harness = new ApplicationHarness();

        var status = await harness.Mediator.Send(new GetHubStatusQuery(string.Empty));

        Assert.False(status.Available);
    }

    [Theory]
    [InlineData("openai/gpt-4o-mini")]
    [InlineData("gpt-4o-mini")]
    public async Task A_model_a_provider_serves_is_available(string model)
    {
        using var harness = new ApplicationHarness(new ScriptedProvider("openai"));

        var status = await harness.Mediator.Send(new GetHubStatusQuery(model));

        Assert.Equal(new HubStatusView(true, null), status);
    }

    [Theory]
    [InlineData("openai/unknown")]
    [InlineData("anthropic/claude-sonnet-4")]
    public async Task A_model_no_provider_serves_is_unavailable_and_the_reason_names_it(string model)
    {
        using var harness = new ApplicationHarness(new ScriptedProvider("openai"));

        var status = await harness.Mediator.Send(new GetHubStatusQuery(model));

        Assert.False(status.Available);
        Assert.Equal($"No provider on this hub serves '{model}'.", status.Error);
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("openai/")]
    [InlineData("/gpt-4o")]
    public async Task A_malformed_model_name_is_refused_naming_the_model_field(string model)
    {
        using var harness = new ApplicationHarness(new ScriptedProvider("openai"));

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => harness.Mediator.Send(new GetHubStatusQuery(model)).AsTask());

        Assert.Equal("model", Assert.Single(refused.Violations).Field);
        Assert.Contains($"'{model}' is not a valid model name", refused.Message, StringComparison.Ordinal);
    }
}
