using AigneHub.Application.Abstractions;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// What the inference handlers (chat, embeddings, images) do about billing: hold before the first provider call (a
/// refusal still leaves its call record), and settle however the call ended — captured at what was produced when it
/// succeeded or the client went away, released in full when it failed.
/// </summary>
internal sealed class ChatBilling(ICallBilling billing, Billing.Common.BillingCache settings, PromptTokenBound prompts)
{
    /// <summary>
    /// Holds for a chat call and narrows the route to the providers that have a rate; in credits mode the route
    /// carries the output tokens the hold pays for, which every provider call is sent as its max_tokens.
    /// </summary>
    public async Task<(CallHold Hold, ChatRoute Route)> HoldAsync(
        ChatRoute route, IChatRequest request, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            var providers = route.Providers.Select(p => p.Name).ToArray();
            var estimate = new CallEstimate(
                meter.CallId.ToString(),
                CallType.Chat,
                route.Name.Model,
                providers,
                new PromptBound(() => prompts.ForChat(providers, route.Name.Model, request.Messages, request.Settings)),
                request.Settings.MaxTokens,
                request.Model,
                request.Settings.N ?? 1)
            {
                Fallbacks = [.. route.Fallbacks.Where(f => f.PassedOverBecause is null).Select(f => Estimate(f, request))],
            };
            var hold = await billing.HoldAsync(estimate, cancellationToken);
            var priced = route.Providers.Where(p => hold.Providers.Contains(p.Name)).ToArray();
            return (hold, route with
            {
                Providers = priced,
                OutputTokenLimit = hold.OutputTokenLimit,
                Fallbacks = [.. route.Fallbacks.Select(f => Narrowed(f, hold))],
            });
        }
        catch (Exception ex)
        {
            meter.Attempt(route.Providers[0].Name, route.Name.Model);
            recorder.Record(meter.Failed(ex, default, cancellationToken));
            throw;
        }
    }

    private FallbackEstimate Estimate(ChatRoute fallback, IChatRequest request)
    {
        var providers = fallback.Providers.Select(p => p.Name).ToArray();
        return new(fallback.Name.Model, providers, prompts.ForChat(providers, fallback.Name.Model, request.Messages, request.Settings));
    }

    /// <summary>A fallback model's route narrowed to the providers its hold priced; with none it is passed over (no rate).</summary>
    private static ChatRoute Narrowed(ChatRoute fallback, CallHold hold)
    {
        if (fallback.PassedOverBecause is not null)
        {
            return fallback;
        }

        var held = hold.Fallbacks.FirstOrDefault(f => f.Model == fallback.Name.Model);
        return held is null
            ? fallback with { Providers = [], PassedOverBecause = ModelSkip.NoRate }
            : fallback with { Providers = [.. fallback.Providers.Where(p => held.Providers.Contains(p.Name))], OutputTokenLimit = hold.OutputTokenLimit };
    }

    /// <summary>
    /// Holds for a media call (embeddings: the inputs at the input rate; images: <paramref name="images"/> at the
    /// per-image rate plus the prompt) and narrows the route to the providers that have a rate.
    /// </summary>
    public async Task<(CallHold Hold, Application.Common.Routing.ModelRoute<TProvider> Route)> HoldAsync<TProvider>(
        Application.Common.Routing.ModelRoute<TProvider> route,
        Func<TProvider, string> nameOf,
        CallType type,
        IEnumerable<string> texts,
        int images,
        string requestedModel,
        CallMeter meter,
        ICallRecorder recorder,
        CancellationToken cancellationToken)
    {
        try
        {
            var providers = route.Providers.Select(nameOf).ToArray();
            var estimate = new CallEstimate(
                meter.CallId.ToString(),
                type,
                route.Name.Model,
                providers,
                PromptBound.Of(prompts.ForTexts(providers, route.Name.Model, texts as IReadOnlyCollection<string> ?? texts.ToArray())),
                type == CallType.Image ? images : 0,
                requestedModel);
            var hold = await billing.HoldAsync(estimate, cancellationToken);
            var priced = route.Providers.Where(p => hold.Providers.Contains(nameOf(p))).ToArray();
            return (hold, route with { Providers = priced });
        }
        catch (Exception ex)
        {
            meter.Attempt(nameOf(route.Providers[0]), route.Name.Model);
            recorder.Record(meter.Failed(ex, default, cancellationToken));
            throw;
        }
    }

    /// <summary>
    /// What a stream may produce before it would cost more than its hold, at the rate of the provider that answers;
    /// without a hold (enterprise mode) a stream has no such limit.
    /// </summary>
    public async ValueTask<StreamCeiling> CeilingAsync(CallHold hold, string provider, CancellationToken cancellationToken) =>
        hold.HeldCredits is { } held && await settings.RateAsync(hold.Type, provider, hold.Model, cancellationToken) is { } rate
            ? new StreamCeiling(rate, held)
            : StreamCeiling.None;

    /// <summary>
    /// Settles the hold for the call's outcome and returns the record with what the call cost. A stream the hub ended
    /// at its hold (<paramref name="atMostTheHold"/>) is charged no more than the hold.
    /// </summary>
    public async Task<CallRecord> SettleAsync(CallHold hold, CallRecord outcome, TokenUsage usage, bool atMostTheHold = false)
    {
        // Settling must happen even when the client's token is cancelled: the provider was called either way.
        if (outcome.Status == CallStatus.Failed)
        {
            await billing.ReleaseAsync(hold, $"call failed: {outcome.ErrorKind}", CancellationToken.None);
            return outcome with { UserId = hold.UserId };
        }

        if (outcome.Status == CallStatus.Cancelled && usage.PromptTokens == 0)
        {
            // Cut short before the provider reported usage: the prompt was still sent and is charged at its estimate,
            // which the record carries too, so the charge can be recomputed from the record (and recovery charges the same).
            usage = usage with { PromptTokens = hold.EstimatedPromptTokens.Tokens };
            outcome = outcome with { PromptTokens = usage.PromptTokens };
        }

        var charge = await billing.CaptureAsync(hold, outcome.Provider, usage, outcome.Images, atMostTheHold, CancellationToken.None);
        return outcome with
        {
            UserId = hold.UserId,
            CreditsCharged = charge.Credits,
            CostUsd = charge.CostUsd,
            RateId = charge.RateId,
            RateVersion = charge.RateVersion,
        };
    }

    /// <summary>The currency prefix that labels credits ("$", "€", "¥" or none), from the cached settings.</summary>
    public async ValueTask<string?> CreditPrefixAsync(CancellationToken cancellationToken) =>
        (await settings.SettingsAsync(cancellationToken)).CurrencyPrefix is { Length: > 0 } prefix ? prefix : null;

    /// <summary>Returns the whole hold of a call whose stream never opened.</summary>
    public Task ReleaseAsync(CallHold hold) => billing.ReleaseAsync(hold, "the stream did not open", CancellationToken.None);
}

/// <summary>The most a stream may cost: its hold, at the rate of the provider that answers it.</summary>
internal sealed class StreamCeiling
{
    public static readonly StreamCeiling None = new(null, 0m);

    private readonly ModelRate? _rate;
    private readonly decimal _held;

    public StreamCeiling(ModelRate? rate, decimal held) => (_rate, _held) = (rate, held);

    /// <summary>Whether <paramref name="usage"/> would cost more than the hold.</summary>
    public bool IsPassedBy(TokenUsage usage) => _rate is { } rate && RateDecisions.Cost(rate, usage) > _held;
}
