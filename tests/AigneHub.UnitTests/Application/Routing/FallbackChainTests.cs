using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Routing.Fallbacks;
using AigneHub.Domain.Access;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Application.Routing;

public sealed class FallbackChainTests
{
    private static readonly FallbackChain Chains = new(new StaticOptions(new FallbackOptions
    {
        Fallbacks =
        [
            new FallbackRule { Model = "openai/gpt-4o", Models = ["anthropic/claude-sonnet-4", "google/gemini-2.5-pro"] },
            new FallbackRule { Model = "openai/gpt-4o", KeyId = "key-1", Models = ["xai/grok-4"], On = [FallbackTrigger.ContentFilter] },
            new FallbackRule { KeyId = "key-2", Models = ["deepseek/deepseek-chat"] },
        ],
    }));

    [Fact]
    public void The_rule_for_the_model_applies_with_rate_limits_server_errors_and_timeouts_by_default()
    {
        var chain = Chains.Resolve("OpenAI/GPT-4o", [], Caller("other-key"));

        Assert.Equal(["anthropic/claude-sonnet-4", "google/gemini-2.5-pro"], chain.Models.Select(m => m.Model));
        Assert.Equal([FallbackTrigger.RateLimited, FallbackTrigger.ServerError, FallbackTrigger.Timeout], chain.Triggers.Order());
    }

    [Fact]
    public void A_rule_for_the_callers_key_wins_over_the_rule_for_the_model()
    {
        Assert.Equal(["xai/grok-4"], Chains.Resolve("openai/gpt-4o", [], Caller("key-1")).Models.Select(m => m.Model));
        Assert.Equal(["deepseek/deepseek-chat"], Chains.Resolve("openai/gpt-4o", [], Caller("key-2")).Models.Select(m => m.Model));
    }

    [Fact]
    public void The_requests_own_models_win_move_on_for_every_failure_and_leave_out_the_model_itself()
    {
        var chain = Chains.Resolve("openai/gpt-4o", ["openai/gpt-4o", "demo/echo", "demo/echo"], Caller("key-1"));

        Assert.Equal(["demo/echo"], chain.Models.Select(m => m.Model));
        Assert.Equal(Enum.GetValues<FallbackTrigger>().Length, chain.Triggers.Count);
    }

    [Fact]
    public void A_fallback_outside_the_keys_allow_list_is_marked_never_to_be_tried()
    {
        var chain = Chains.Resolve("openai/gpt-4o", [], Caller("other-key", models: ["openai/*", "google/*"]));

        Assert.Equal([("anthropic/claude-sonnet-4", true), ("google/gemini-2.5-pro", false)], chain.Models.Select(m => (m.Model, m.NotAllowed)));
    }

    [Theory]
    [InlineData(ErrorKind.UpstreamRateLimited, 429, "rate limited", FallbackTrigger.RateLimited)]
    [InlineData(ErrorKind.UpstreamUnavailable, 502, "failed", FallbackTrigger.ServerError)]
    [InlineData(ErrorKind.UpstreamTimeout, null, "timed out", FallbackTrigger.Timeout)]
    [InlineData(ErrorKind.UpstreamRejected, 400, "This model's maximum context length is 8192 tokens.", FallbackTrigger.ContextLength)]
    [InlineData(ErrorKind.UpstreamRejected, 413, "too large", FallbackTrigger.ContextLength)]
    [InlineData(ErrorKind.UpstreamRejected, 400, "The response was filtered due to the prompt triggering the content management policy.", FallbackTrigger.ContentFilter)]
    public void Upstream_failures_count_as_the_trigger_they_are(ErrorKind kind, int? status, string message, FallbackTrigger expected) =>
        Assert.Equal(expected, FallbackChain.TriggerOf(new UpstreamException(kind, "p", message, status)));

    [Fact]
    public void An_invalid_request_moves_nothing_on() =>
        Assert.Null(FallbackChain.TriggerOf(new UpstreamException(ErrorKind.UpstreamRejected, "p", "temperature must be at most 2", 400)));

    [Fact]
    public void Rules_without_a_match_or_with_bad_model_names_are_refused_at_start_up()
    {
        Assert.False(FallbackOptions.AreValid(new FallbackOptions { Fallbacks = [new FallbackRule { Models = ["a/b"] }] }));
        Assert.False(FallbackOptions.AreValid(new FallbackOptions { Fallbacks = [new FallbackRule { Model = "a/b", Models = [" bad"] }] }));
        Assert.False(FallbackOptions.AreValid(new FallbackOptions { Fallbacks = [new FallbackRule { Model = "a/b" }] }));
        Assert.True(FallbackOptions.AreValid(new FallbackOptions { Fallbacks = [new FallbackRule { Model = "a/b", Models = ["c/d"] }] }));
    }

    private static Caller Caller(string keyId, IReadOnlyList<string>? models = null) =>
        new("user", UserRole.Member, keyId, null, new HashSet<string> { KeyScopes.Inference }, models);

    private sealed class StaticOptions(FallbackOptions value) : IOptionsMonitor<FallbackOptions>
    {
        public FallbackOptions CurrentValue => value;

        public FallbackOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<FallbackOptions, string?> listener) => null;
    }
}
