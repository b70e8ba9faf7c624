using AigneHub.Application.Routing;

namespace AigneHub.Application.Chat;

/// <summary>
/// What the inference handlers (chat, embeddings, images) do about billing: hold before the first provider call (a
/// refusal still leaves its call record), and settle however the call ended — captured at what was produced when it
/// succeeded or the client went away, released in full when it failed.
/// </summary>
internal sealed class ChatBilling(ICallBilling billing, Billing.BillingCache settings, PromptTokenBound prompts)
{
    /// <summary>What a chat call may cost: its prompt bound and output tokens per choice, and those of its usable fallback models.</summary>
    public CallEstimate EstimateChat(CallRoute<IChatProvider> route, IChatRequest request, Guid callId)
    {
        var providers = route.Providers.Select(p => p.Name).ToArray();
        return new CallEstimate(
            callId.ToString(),
            CallType.Chat,
            route.Name.Model,
            providers,
            new PromptBound(
                () => prompts.ForChat(providers, route.Name.Model, request.Messages, request.Settings),
                () => prompts.UpperForChat(providers, route.Name.Model, request.Messages, request.Settings)),
            request.Settings.MaxTokens,
            request.Model,
            request.Settings.N ?? 1)
        {
            Fallbacks = [.. route.Fallbacks.Where(f => f.PassedOverBecause is null).Select(f => Estimate(f, request))],
            ServiceTier = request.Settings.ServiceTier,
        };
    }

    /// <summary>
    /// What a media call may cost: embeddings the inputs at the input rate; images the images asked for at the
    /// per-image rate plus the prompt, and an edit's input images at the most tokens an image can count (once per image
    /// asked for when Gemini may serve it: it counts them again for each image it makes; OpenAI counts them once).
    /// </summary>
    public CallEstimate EstimateMedia<TProvider>(CallRoute<TProvider> route, ModelCalls.MediaCall call, Guid callId)
        where TProvider : IProvider
    {
        var providers = route.Providers.Select(p => p.Name).ToArray();
        var prompt = (long)prompts.ForTexts(providers, route.Name.Model, call.Texts)
            + ((long)prompts.ForImages(providers, route.Name.Model, call.InputImages) * (providers.Contains(ProviderNames.Google) ? Math.Max(1, call.Images) : 1));
        return new CallEstimate(
            callId.ToString(),
            call.Type,
            route.Name.Model,
            providers,
            PromptBound.Of((int)Math.Min(prompt, int.MaxValue)),
            call.Type == CallType.Image ? call.Images : 0,
            call.Model);
    }

    /// <summary>
    /// Holds for a call and narrows the route (and its fallback models) to the providers that have a rate; in credits
    /// mode a chat route carries the output tokens the hold pays for, which every provider call is sent as its max_tokens.
    /// </summary>
    public async Task<(CallHold Hold, CallRoute<TProvider> Route)> HoldAsync<TProvider>(CallRoute<TProvider> route, CallEstimate estimate, CancellationToken cancellationToken)
        where TProvider : IProvider
    {
        var hold = await billing.HoldAsync(estimate, cancellationToken);
        return (hold, route with
        {
            Providers = [.. route.Providers.Where(p => hold.Providers.Contains(p.Name))],
            OutputTokenLimit = hold.OutputTokenLimit,
            Fallbacks = [.. route.Fallbacks.Select(f => Narrowed(f, hold))],
        });
    }

    private FallbackEstimate Estimate(CallRoute<IChatProvider> fallback, IChatRequest request)
    {
        var providers = fallback.Providers.Select(p => p.Name).ToArray();
        return new(fallback.Name.Model, providers, prompts.ForChat(providers, fallback.Name.Model, request.Messages, request.Settings));
    }

    /// <summary>A fallback model's route narrowed to the providers its hold priced; with none it is passed over (no rate).</summary>
    private static CallRoute<TProvider> Narrowed<TProvider>(CallRoute<TProvider> fallback, CallHold hold)
        where TProvider : IProvider
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
    /// What a stream may produce before it would cost more than its hold, at the rate version that priced the hold for
    /// the provider that answers (the one its capture uses, whatever the rate became since); without a hold (enterprise
    /// mode) a stream has no such limit.
    /// </summary>
    public async ValueTask<StreamCeiling> CeilingAsync(CallHold hold, string provider, CancellationToken cancellationToken) =>
        hold.HeldCredits is { } held && (hold.RateOf(provider) ?? await settings.RateAsync(hold.Type, provider, hold.Model, cancellationToken)) is { } rate
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

        if (usage.PromptTokens == 0 && hold.Type != CallType.Image && (outcome.Status == CallStatus.Cancelled || hold.IsHeld || hold.Budget.Windows.Count > 0))
        {
            // No prompt tokens reported: a call cut short before the provider's report, or (in credits mode, or under a
            // spend budget) a provider that reports no usage (an OpenAI-compatible server that ignores include_usage,
            // Gemini's embeddings). The prompt was sent either way and is charged (and counted against the budgets, in
            // US dollars) at the bound the hold was sized with, which the record carries too (and recovery charges the
            // same). The usage is then an estimate, so the credits charged stay within the hold. An image call is priced
            // per image and may report no tokens at all; an enterprise-mode call served without a report and without
            // a budget keeps what it reported (no tokenizer run for a figure nobody is charged by).
            usage = usage with { PromptTokens = hold.EstimatedPromptTokens.Tokens };
            outcome = outcome with { PromptTokens = usage.PromptTokens };
            atMostTheHold = true;
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

    /// <summary>Returns the whole hold of a call whose stream never opened; its record stays as the failure left it.</summary>
    public async Task<CallRecord> ReleaseUnopenedAsync(CallHold hold, CallRecord outcome)
    {
        await billing.ReleaseAsync(hold, "the stream did not open", CancellationToken.None);
        return outcome;
    }
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
