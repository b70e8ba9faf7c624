using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application;

/// <summary>One deadline over every attempt: a hung provider cannot hold a call for the sum of all adapter timeouts.</summary>
public sealed class CallDeadlineTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task A_unary_call_that_outlives_the_deadline_fails_as_a_timeout_without_trying_further_providers()
    {
        var hung = new ScriptedProvider("first", async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            throw new InvalidOperationException("unreachable");
        });
        var second = new ScriptedProvider("second");
        using var app = new ApplicationHarness(1, hung, second);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            () => app.Mediator.Send(new CreateChatCompletionCommand("req", "gpt-4o", Hello, ChatSettings.Default)).AsTask());

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Contains("deadline", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, second.Calls);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Failed, ErrorKind.UpstreamTimeout), (record.Status, record.ErrorKind));
    }

    [Fact]
    public async Task A_caller_cancellation_is_still_a_cancellation_not_a_timeout()
    {
        // The caller gives up while the provider works (not before it was reached, however slow the machine is).
        using var caller = new CancellationTokenSource();
        var hung = new ScriptedProvider("first", async (_, token) =>
        {
            caller.CancelAfter(TimeSpan.FromMilliseconds(50));
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            throw new InvalidOperationException("unreachable");
        });
        using var app = new ApplicationHarness(60, hung);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => app.Mediator.Send(new CreateChatCompletionCommand("req", "gpt-4o", Hello, ChatSettings.Default), caller.Token).AsTask());

        Assert.Equal(CallStatus.Cancelled, Assert.Single(app.Recorder.Records).Status);
    }

    [Fact]
    public async Task A_stream_that_started_before_the_deadline_runs_past_it()
    {
        var slow = new ScriptedProvider("first") { StreamPieces = ["a", "b", "c"], PieceDelay = TimeSpan.FromMilliseconds(600) };
        using var app = new ApplicationHarness(1, slow);

        var pieces = new List<string>();
        await foreach (var update in app.Mediator.CreateStream(new StreamChatCompletionCommand("req", "gpt-4o", Hello, ChatSettings.Default)))
        {
            if (update.ContentDelta is { Length: > 0 } text)
            {
                pieces.Add(text);
            }
        }

        Assert.Equal(["a", "b", "c"], pieces);
        Assert.Equal(CallStatus.Succeeded, Assert.Single(app.Recorder.Records).Status);
    }
}
