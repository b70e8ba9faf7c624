using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;
using Mediator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Application.Chat.Commands.StreamChatCompletion;

/// <summary>
/// Streams an answer. Failover happens only before the first update reaches the client; after that a failure ends
/// the stream. The call record is written however the stream ends: completed, failed, or abandoned by the client
/// (the consumer stops enumerating, which disposes the provider stream and closes the upstream connection). A stream
/// whose usage would pass its hold (a provider that produced more than the max_tokens it was sent) is ended by the
/// hub with finish_reason "length" and charged at most its hold.
/// </summary>
internal sealed partial class StreamChatCompletionCommandHandler(
    ChatRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    TimeProvider time,
    IOptions<ChatRoutingOptions> routing,
    ILogger<StreamChatCompletionCommandHandler> logger)
    : IStreamCommandHandler<StreamChatCompletionCommand, ChatCompletionUpdate>
{
    public async IAsyncEnumerable<ChatCompletionUpdate> Handle(
        StreamChatCompletionCommand command,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var meter = CallMeter.Start(time, command.RequestId, CallType.Chat, streamed: true, callers.Current).Tagged(command.Settings);
        var (hold, route) = await billing.HoldAsync(
            router.RouteRecordingFailure(command, callers.Current, meter, recorder, cancellationToken), command, meter, recorder, cancellationToken);
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(routing.Value.DeadlineSeconds), time, cancellationToken);

        IAsyncEnumerator<ChatCompletionUpdate>? updates = null;
        ChatCompletionUpdate? last = null;
        var settled = false;
        CallRecord? outcome = null;
        TokenUsage? reportedUsage = null;
        var contentUpdates = 0;
        var endedAtHold = false;
        try
        {
            (updates, var provider, var served) = await OpenFirstAvailableAsync(new ChatAttemptPlan(route), command, meter, deadline, cancellationToken);
            deadline.Disarm();
            hold = hold.ForModel(served);
            var ceiling = await billing.CeilingAsync(hold, provider, cancellationToken);
            var finished = new HashSet<int>();
            while (true)
            {
                ChatCompletionUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    outcome = meter.Failed(ex, UsageSoFar(reportedUsage, contentUpdates), cancellationToken);
                    throw;
                }

                var produces = update.ContentDelta is { Length: > 0 } || update.ToolCallDeltas is not null;
                if (ceiling.IsPassedBy(Produced(hold, update.Usage ?? reportedUsage, contentUpdates + (produces ? 1 : 0))))
                {
                    // The second guard: this update would take the call past its hold. Nothing more is relayed.
                    endedAtHold = true;
                    reportedUsage = update.Usage ?? reportedUsage;
                    last ??= update;
                    LogEndedAtHold(logger, meter.CallId, provider, contentUpdates);
                    break;
                }

                if (produces)
                {
                    contentUpdates++;
                }

                if (update.FinishReason is not null)
                {
                    finished.Add(update.ChoiceIndex);
                }

                reportedUsage = update.Usage ?? reportedUsage;
                last = update;
                yield return update;
            }

            // Completed (or ended at the hold): settle now, so a receipt (when asked for) can carry what was charged.
            var usage = endedAtHold ? Produced(hold, reportedUsage, contentUpdates) : UsageSoFar(reportedUsage, contentUpdates);
            if (endedAtHold && last is not null)
            {
                for (var choice = 0; choice < (command.Settings.N ?? 1); choice++)
                {
                    if (!finished.Contains(choice))
                    {
                        yield return new ChatCompletionUpdate(last.Id, last.Created, last.Model, null, null, "length", null, last.SystemFingerprint) { ChoiceIndex = choice };
                    }
                }

                yield return new ChatCompletionUpdate(last.Id, last.Created, last.Model, null, null, null, usage, last.SystemFingerprint);
            }

            var settledRecord = await billing.SettleAsync(hold, meter.Succeeded(usage), usage, atMostTheHold: endedAtHold);
            settled = true;
            recorder.Record(settledRecord);
            if (command.WithReceipt && settledRecord.CreditsCharged is { } charged && last is not null)
            {
                yield return new ChatCompletionUpdate(last.Id, last.Created, last.Model, null, null, null, null,
                    CreditsCharged: charged, CreditPrefix: await billing.CreditPrefixAsync(CancellationToken.None));
            }
        }
        finally
        {
            // Not settled above: the stream failed, the consumer stopped early (client gone), or it never opened.
            if (!settled)
            {
                outcome ??= updates is null ? null : meter.Cancelled(UsageSoFar(reportedUsage, contentUpdates));
                if (outcome is not null)
                {
                    recorder.Record(await billing.SettleAsync(hold, outcome, UsageSoFar(reportedUsage, contentUpdates)));
                }
                else
                {
                    // Opening the stream failed (its record is written where it failed): nothing was produced.
                    await billing.ReleaseAsync(hold);
                }
            }

            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Opens the stream on the first provider that answers. A stream is open once its first update arrived, so a
    /// provider that fails before producing anything can still be failed over.
    /// </summary>
    private async Task<(IAsyncEnumerator<ChatCompletionUpdate> Updates, string Provider, string Model)> OpenFirstAvailableAsync(
        ChatAttemptPlan plan,
        StreamChatCompletionCommand command,
        CallMeter meter,
        CallDeadline deadline,
        CancellationToken cancellationToken)
    {
        for (int attempt = 0, next = 0; ; attempt = next)
        {
            var (model, provider) = plan[attempt];
            meter.Attempt(provider.Name, model.Name.Model);
            var updates = ChoiceFanOut.StreamAsync(provider, model.RequestFor(command), command.Settings.N ?? 1, deadline.Token).GetAsyncEnumerator(deadline.Token);
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    throw new UpstreamException(ErrorKind.UpstreamUnavailable, provider.Name, $"The {provider.Name} provider ended the stream without an answer.");
                }

                meter.FirstByte();
                return (new PeekedEnumerator(updates), provider.Name, model.Name.Model);
            }
            catch (UpstreamException ex) when (plan.MovesOn(attempt, ex, meter, out next))
            {
                await updates.DisposeAsync();
                LogFailover(logger, provider.Name, model.Name.Model, ex.Kind, plan[next].Provider.Name, plan[next].Route.Name.Model);
            }
            catch (Exception ex) when (deadline.Exceeded(ex))
            {
                await updates.DisposeAsync();
                var timedOut = deadline.TimedOut(provider.Name);
                recorder.Record(meter.Failed(timedOut, default, cancellationToken));
                throw timedOut;
            }
            catch (Exception ex)
            {
                await updates.DisposeAsync();
                recorder.Record(meter.Failed(ex, default, cancellationToken));
                throw;
            }
        }
    }

    /// <summary>
    /// The provider's usage report when it sent one; otherwise (stream cut short) one token per content update,
    /// which is how OpenAI-style providers stream.
    /// </summary>
    private static TokenUsage UsageSoFar(TokenUsage? reported, int contentUpdates) =>
        reported ?? new TokenUsage(0, contentUpdates);

    /// <summary>
    /// What a stream has produced so far, for its ceiling: the provider's report with at least one completion token
    /// per content update relayed (a report can come early, before the answer), or without a report the prompt bound
    /// the hold was sized with and one token per content update.
    /// </summary>
    private static TokenUsage Produced(CallHold hold, TokenUsage? reported, int contentUpdates) => reported is { } usage
        ? usage with { CompletionTokens = Math.Max(usage.CompletionTokens, contentUpdates) }
        : new TokenUsage(hold.EstimatedPromptTokens.Tokens, contentUpdates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the {Provider} stream would have passed its hold after {ContentUpdates} content updates; ended with finish_reason length")]
    private static partial void LogEndedAtHold(ILogger logger, Guid callId, string provider, int contentUpdates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed on {Model} with {ErrorKind} before streaming; failing over to {NextProvider} with {NextModel}")]
    private static partial void LogFailover(ILogger logger, string provider, string model, ErrorKind errorKind, string nextProvider, string nextModel);

    /// <summary>Replays the update that proved the stream open, then continues with the rest.</summary>
    private sealed class PeekedEnumerator(IAsyncEnumerator<ChatCompletionUpdate> inner) : IAsyncEnumerator<ChatCompletionUpdate>
    {
        private bool _replayed;

        public ChatCompletionUpdate Current => inner.Current;

        public ValueTask<bool> MoveNextAsync()
        {
            if (!_replayed)
            {
                _replayed = true;
                return ValueTask.FromResult(true);
            }

            return inner.MoveNextAsync();
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
