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
    public async Task A_stream_of_large_pieces_abandoned_before_its_usage_report_pays_for_the_text_it_relayed()
    {
        // Gemini, Anthropic and Bedrock send several tokens an update: a client that leaves just before the usage report
        // once paid one token per update.
        var piece = new string('x', 40);
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { StreamPieces = [piece, piece, piece, piece] });

        var seen = 0;
        await foreach (var update in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)))
        {
            if (update.ContentDelta == piece && ++seen == 2)
            {
                break;
            }
        }

        // 80 characters relayed: 20 tokens at four characters each, not 2.
        Assert.Equal([$"captured openai {Bound}+20"], app.Billing.Settlements);
    }

    [Fact]
    public async Task A_served_call_whose_provider_reports_no_usage_pays_its_prompt_bound_and_its_answer_s_text()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { ReportsUsage = false });
        app.Billing.HeldCredits = 100m;

        await app.Mediator.Send(new CreateChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default));

        // "answer from openai": 18 characters, 5 tokens at four characters each. Before, the call was captured at 0+0.
        Assert.Equal([$"captured openai {Bound}+5"], app.Billing.Settlements);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((Bound, 5), (record.PromptTokens, record.CompletionTokens));
    }

    [Fact]
    public async Task A_completed_stream_whose_provider_reports_no_usage_pays_its_prompt_bound()
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { StreamPieces = ["a", "b", "c"], ReportsUsage = false });
        app.Billing.HeldCredits = 100m;

        await foreach (var _ in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default)))
        {
        }

        Assert.Equal([$"captured openai {Bound}+3"], app.Billing.Settlements);
        Assert.Equal(Bound, Assert.Single(app.Recorder.Records).PromptTokens);
    }

    [Fact]
    public async Task In_enterprise_mode_a_call_under_a_spend_budget_whose_provider_reports_no_usage_counts_its_prompt_bound()
    {
        // Budgets count US dollars from the usage: a provider that reports none would be free to call past them.
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { ReportsUsage = false });
        app.Billing.UnderBudget = true;

        await app.Mediator.Send(new CreateChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default));

        Assert.Equal([$"captured openai {Bound}+5"], app.Billing.Settlements);
    }

    [Fact]
    public async Task In_enterprise_mode_a_served_call_without_usage_keeps_what_it_reported()
    {
        // Nothing is charged in enterprise mode: the prompt bound (a tokenizer run) is not worth counting for a record.
        using var app = new ApplicationHarness(new ScriptedProvider("openai") { ReportsUsage = false });

        await app.Mediator.Send(new CreateChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default));

        Assert.Equal(["captured openai 0+5"], app.Billing.Settlements);
    }

    [Fact]
    public async Task A_stream_the_client_abandons_before_its_first_update_pays_its_prompt_as_an_abandoned_unary_call_does()
    {
        var provider = new ScriptedProvider("openai") { OpenDelay = TimeSpan.FromMinutes(5) };
        using var app = new ApplicationHarness(provider);
        using var gone = new CancellationTokenSource();

        var stream = Task.Run(async () =>
        {
            await foreach (var _ in app.Mediator.CreateStream(new StreamChatCompletionCommand("r", "openai/gpt", Hello, ChatSettings.Default), gone.Token))
            {
            }
        });
        await WaitForAsync(() => provider.Calls > 0); // sent upstream, waiting for the first update
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream);
        Assert.Equal([$"captured openai {Bound}+0"], app.Billing.Settlements);
        Assert.Equal(CallStatus.Cancelled, Assert.Single(app.Recorder.Records).Status);
    }

    private static int Bound => PromptTokenBound.Of(new AigneHub.Application.Abstractions.PromptTokenizer(null, 6_400), Hello, ChatSettings.Default);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
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
