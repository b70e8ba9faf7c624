using AigneHub.Application.Abstractions;
using AigneHub.Application.Caching;
using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.UnitTests.Application.Caching;

/// <summary>
/// Which requests share a cached answer. A refresh never reads and always stores, so the keys the store holds after a
/// series of refreshes show which requests the cache tells apart.
/// </summary>
public sealed class ResponseCacheKeyTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static CreateChatCompletionCommand Unary(ChatSettings settings, string requestId = "req-1", IReadOnlyList<ChatMessage>? messages = null) =>
        new(requestId, "openai/gpt", messages ?? Hello, settings);

    [Fact]
    public async Task Requests_that_differ_in_anything_that_changes_the_answer_never_share_an_entry()
    {
        using var app = Harness(CacheDirective.Refresh);
        var deterministic = new ChatSettings { Temperature = 0 };

        await app.Mediator.Send(Unary(deterministic));
        await app.Mediator.Send(Unary(deterministic with { MaxTokens = 5 }));
        await app.Mediator.Send(Unary(deterministic with { Stop = ["."] }));
        await app.Mediator.Send(Unary(deterministic with { ResponseFormat = ResponseFormat.JsonObject }));
        await app.Mediator.Send(Unary(deterministic, messages: [new(ChatRole.User, null, [new TextPart("hello")])]));
        await app.Mediator.Send(Unary(deterministic, messages: [new(ChatRole.User, null, [new ImagePart("https://example.com/a.png", null)])]));
        await app.Mediator.Send(Unary(deterministic, messages: [new(ChatRole.User, null, [new ImagePart("https://example.com/b.png", null)])]));

        Assert.Equal(7, app.CacheStore.Stored.Select(a => a.Key).Distinct().Count());
    }

    [Fact]
    public async Task The_request_id_and_whether_the_call_streams_do_not_change_the_entry()
    {
        using var app = Harness(CacheDirective.Refresh);
        var deterministic = new ChatSettings { Temperature = 0 };

        await app.Mediator.Send(Unary(deterministic, requestId: "first"));
        await app.Mediator.Send(Unary(deterministic, requestId: "second"));
        await foreach (var _ in app.Mediator.CreateStream(new StreamChatCompletionCommand("third", "openai/gpt", Hello, deterministic, WithReceipt: true)))
        {
        }

        Assert.Single(app.CacheStore.Stored);
    }

    [Fact]
    public async Task Another_user_gets_an_entry_of_their_own()
    {
        using var app = Harness(CacheDirective.Refresh);

        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0 }));
        app.Callers.Current = SettableCaller.InferenceKey with { UserId = "user-2" };
        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0 }));

        Assert.Equal(["user:user-1", "user:user-2"], app.CacheStore.Stored.Select(a => a.Scope).Order());
    }

    [Fact]
    public async Task Without_a_seed_or_temperature_zero_a_request_is_cached_only_when_it_asks()
    {
        using var app = Harness(CacheDirective.Default, deterministicByDefault: true);

        await app.Mediator.Send(Unary(ChatSettings.Default));
        var defaultTemperature = app.CacheRequest.Outcome;
        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0.7, Seed = 42 }));
        var seeded = app.CacheRequest.Outcome;
        app.CacheRequest.Directive = CacheDirective.Use;
        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0.7 }));

        Assert.Equal((CacheOutcome.Bypass, CacheOutcome.Miss), (defaultTemperature, seeded));
        Assert.Equal(2, app.CacheStore.Stored.Count);
    }

    [Fact]
    public async Task Without_a_directive_the_cache_is_off_by_default_and_the_record_says_nothing()
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(null, _ => { }, provider);

        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0 }));
        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0 }));

        Assert.Equal(2, provider.Calls);
        Assert.Empty(app.CacheStore.Stored);
        Assert.Null(app.CacheRequest.Outcome);
    }

    [Fact]
    public async Task An_answer_cut_at_a_length_the_caller_did_not_ask_for_is_not_stored()
    {
        var provider = new ScriptedProvider("openai", (request, _) =>
            Task.FromResult(new ChatCompletion("id", DateTimeOffset.UnixEpoch, "openai/gpt", "cut", "length", new TokenUsage(5, 3), null)));
        using var app = new ApplicationHarness(null, _ => { }, provider);
        app.CacheRequest.Directive = CacheDirective.Use;

        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0 }));
        var withoutLimit = app.CacheStore.Stored.Count;
        await app.Mediator.Send(Unary(new ChatSettings { Temperature = 0, MaxTokens = 3 }));

        Assert.Equal((0, 1), (withoutLimit, app.CacheStore.Stored.Count));
    }

    [Fact]
    public async Task A_repeated_request_is_answered_from_the_store_and_a_streamed_one_replays_it()
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(null, _ => { }, provider);
        app.CacheRequest.Directive = CacheDirective.Use;
        var settings = new ChatSettings { Temperature = 0 };

        var original = await app.Mediator.Send(Unary(settings));
        var cached = await app.Mediator.Send(Unary(settings, requestId: "again"));
        var replayed = new List<ChatCompletionUpdate>();
        await foreach (var update in app.Mediator.CreateStream(new StreamChatCompletionCommand("streamed", "openai/gpt", Hello, settings)))
        {
            replayed.Add(update);
        }

        Assert.Equal(1, provider.Calls);
        Assert.Equal((original.Content, original.Usage), (cached.Content, cached.Usage));
        Assert.Equal(original.Content, string.Concat(replayed.Select(u => u.ContentDelta)));
        Assert.Equal("stop", replayed.Single(u => u.FinishReason is not null).FinishReason);
        Assert.Equal(original.Usage, replayed.Last().Usage);
        Assert.Equal([CacheOutcome.Hit, CacheOutcome.Hit], app.Recorder.Records.Skip(1).Select(r => r.Cache));
    }

    private static ApplicationHarness Harness(CacheDirective directive, bool deterministicByDefault = false)
    {
        var app = new ApplicationHarness(
            null,
            services => services.Configure<ResponseCacheOptions>(o => o.DefaultMode = deterministicByDefault ? "deterministic" : "off"),
            new ScriptedProvider("openai"));
        app.CacheRequest.Directive = directive;
        return app;
    }
}
