using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Billing;

/// <summary>How the chat handlers settle a call's hold, whatever way the call ends.</summary>
public sealed class ChatSettlementTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task A_served_call_is_captured_at_the_providers_usage()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai"));

        await app.Mediator.Send(new CreateChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default));

        Assert.Equal(["captured openai 5+2"], app.Billing.Settlements);
    }

    [Fact]
    public async Task A_call_that_failed_upstream_is_released()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { FailWith = new UpstreamException(ErrorKind.UpstreamRejected, "openai", "no") });

        await Assert.ThrowsAsync<UpstreamException>(() => app.Mediator.Send(new CreateChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)).AsTask());

        Assert.Equal(["released"], app.Billing.Settlements);
    }

    [Fact]
    public async Task A_stream_the_client_abandons_is_captured_for_what_was_produced()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { StreamPieces = ["a", "b", "c", "d"] });

        await foreach (var update in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)))
        {
            if (update.ContentDelta == "b")
            {
                break;
            }
        }

        // Two content updates reached the client; the prompt was never counted by the provider, so its bound is charged.
        var settlement = Assert.Single(app.Billing.Settlements);
        Assert.Equal($"captured openai {PromptTokenBound.Of(new AigneHub.Application.Abstractions.PromptTokenizer(null, 6_400), Hello, ChatSettings.Default)}+2", settlement);
    }

    [Fact]
    public async Task An_abandoned_streams_call_record_carries_the_usage_it_was_charged_for()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { StreamPieces = ["a", "b", "c", "d"] });

        await foreach (var update in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)))
        {
            if (update.ContentDelta == "b")
            {
                break;
            }
        }

        // Charged for the prompt bound the hold was sized with and two streamed tokens: the record says so, so the charge
        // can be recomputed from it.
        var record = Assert.Single(app.Recorder.Records);
        var bound = PromptTokenBound.Of(new AigneHub.Application.Abstractions.PromptTokenizer(null, 6_400), Hello, ChatSettings.Default);
        Assert.Equal((CallStatus.Cancelled, bound, 2), (record.Status, record.PromptTokens, record.CompletionTokens));
        Assert.Equal($"captured openai {record.PromptTokens}+{record.CompletionTokens}", Assert.Single(app.Billing.Settlements));
    }

    [Fact]
    public async Task A_stream_that_failed_mid_way_is_released()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai")
        {
            StreamPieces = ["a", "b", "c"],
            FailAfterPieces = 1,
        });

        await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var _ in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)))
            {
            }
        });

        Assert.Equal(["released"], app.Billing.Settlements);
    }
}
