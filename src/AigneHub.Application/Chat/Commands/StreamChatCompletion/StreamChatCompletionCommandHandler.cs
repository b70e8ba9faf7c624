using System.Runtime.CompilerServices;
using AigneHub.Application.ModelCalls;

namespace AigneHub.Application.Chat.Commands.StreamChatCompletion;

/// <summary>
/// Streams an answer. Failover happens only before the first update reaches the client; after that a failure ends
/// the stream. The call record is written however the stream ends: completed, failed, or abandoned by the client
/// (the consumer stops enumerating, which disposes the provider stream and closes the upstream connection). A stream
/// whose usage would pass its hold (a provider that produced more than the max_tokens it was sent) is ended by the
/// hub with finish_reason "length" and charged at most its hold.
/// </summary>
internal sealed partial class StreamChatCompletionCommandHandler(
    InferenceCalls calls,
    ChatBilling billing,
    ILogger<StreamChatCompletionCommandHandler> logger)
    : IStreamCommandHandler<StreamChatCompletionCommand, ChatCompletionUpdate>
{
    public async IAsyncEnumerable<ChatCompletionUpdate> Handle(
        StreamChatCompletionCommand command,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = await calls.StartChatAsync(command, streamed: true, cancellationToken);
        var meter = call.Meter;
        IAsyncEnumerator<Served<ChatCompletionUpdate>>? updates = null;
        ChatCompletionUpdate? last = null;
        CallRecord? outcome = null;
        TokenUsage? reportedUsage = null;
        var contentUpdates = 0;
        var endedAtHold = false;
        try
        {
            (updates, var provider) = await call.OpenAsync(
                (p, route, ct) => ChoiceFanOut.StreamAsync(p, route.RequestFor(command), command.Settings.N ?? 1, ct));
            var hold = call.Hold!;
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

                    update = updates.Current.Value;
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

            var settledRecord = await call.FinishAsync(meter.Succeeded(usage), usage, atMostTheHold: endedAtHold);
            if (command.WithReceipt && settledRecord.CreditsCharged is { } charged && last is not null)
            {
                yield return new ChatCompletionUpdate(last.Id, last.Created, last.Model, null, null, null, null,
                    CreditsCharged: charged, CreditPrefix: await billing.CreditPrefixAsync(CancellationToken.None));
            }
        }
        finally
        {
            // Not finished above: the stream failed, or the consumer stopped early (client gone). A stream that never
            // opened was finished where it failed.
            if (!call.Finished)
            {
                var usage = UsageSoFar(reportedUsage, contentUpdates);
                await call.FinishAsync(outcome ?? meter.Cancelled(usage), usage);
            }

            if (updates is not null)
            {
                await updates.DisposeAsync();
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
}
