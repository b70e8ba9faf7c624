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
        var output = default(StreamedOutput);
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
                    outcome = meter.Failed(ex, UsageSoFar(reportedUsage, output), cancellationToken);
                    throw;
                }

                var produces = update.ContentDelta is { Length: > 0 } || update.ToolCallDeltas is not null;
                if (ceiling.IsPassedBy(Produced(hold, update.Usage ?? reportedUsage, produces ? output.With(update) : output)))
                {
                    // The second guard: this update would take the call past its hold. Nothing more is relayed.
                    endedAtHold = true;
                    reportedUsage = update.Usage ?? reportedUsage;
                    last ??= update;
                    LogEndedAtHold(logger, meter.CallId, provider, output.Updates);
                    break;
                }

                if (produces)
                {
                    output = output.With(update);
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
            var usage = endedAtHold ? Produced(hold, reportedUsage, output) : UsageSoFar(reportedUsage, output);
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
                var usage = UsageSoFar(reportedUsage, output);
                await call.FinishAsync(outcome ?? meter.Cancelled(usage), usage);
            }

            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The provider's usage report when it sent one; otherwise (a stream cut short, or a provider that reports none)
    /// the output relayed so far (<see cref="StreamedOutput.Tokens"/>); the prompt is then charged at its bound
    /// (<see cref="ChatBilling.SettleAsync"/>).
    /// </summary>
    private static TokenUsage UsageSoFar(TokenUsage? reported, StreamedOutput output) =>
        reported ?? new TokenUsage(0, output.Tokens);

    /// <summary>
    /// What a stream has produced so far, for its ceiling: the provider's report with at least one completion token per
    /// content update relayed (a report can come early, before the answer), or without a report the prompt bound the
    /// hold was sized with and one token per content update. A lower bound on purpose: the ceiling must not end an
    /// answer that is still within its hold (four characters a token overcounts English text).
    /// </summary>
    private static TokenUsage Produced(CallHold hold, TokenUsage? reported, StreamedOutput output) => reported is { } usage
        ? usage with { CompletionTokens = Math.Max(usage.CompletionTokens, output.Updates) }
        : new TokenUsage(hold.EstimatedPromptTokens.Tokens, output.Updates);

    /// <summary>
    /// The output a stream relayed, for when its provider did not say what it counted: each content update as one token
    /// (how OpenAI-style providers stream, a token an update), or as one per four whole characters of its text and
    /// tool-call arguments when it carries more (Gemini, Anthropic and Bedrock send several tokens an update, and a
    /// client that leaves just before the usage report must not get them at one token each).
    /// </summary>
    private readonly record struct StreamedOutput(int Updates, long EstimatedTokens)
    {
        public int Tokens => (int)Math.Min(EstimatedTokens, int.MaxValue);

        public StreamedOutput With(ChatCompletionUpdate update)
        {
            long characters = update.ContentDelta?.Length ?? 0;
            foreach (var delta in update.ToolCallDeltas ?? [])
            {
                characters += (delta.Name?.Length ?? 0) + (delta.ArgumentsDelta?.Length ?? 0);
            }

            return new(Updates + 1, EstimatedTokens + Math.Max(1, characters / 4));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the {Provider} stream would have passed its hold after {ContentUpdates} content updates; ended with finish_reason length")]
    private static partial void LogEndedAtHold(ILogger logger, Guid callId, string provider, int contentUpdates);
}
