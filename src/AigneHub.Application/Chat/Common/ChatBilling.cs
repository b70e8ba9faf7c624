using AigneHub.Application.Abstractions;
using AigneHub.Domain.Usage;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// What the inference handlers (chat, embeddings, images) do about billing: hold before the first provider call (a
/// refusal still leaves its call record), and settle however the call ended — captured at what was produced when it
/// succeeded or the client went away, released in full when it failed.
/// </summary>
internal sealed class ChatBilling(ICallBilling billing, Billing.Common.BillingCache settings)
{
    public async Task<(CallHold Hold, ChatRoute Route)> HoldAsync(
        ChatRoute route, IChatRequest request, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken)
    {
        var estimate = new CallEstimate(
            meter.CallId.ToString(),
            CallType.Chat,
            route.Name.Model,
            route.Providers.Select(p => p.Name).ToArray(),
            PromptTokenEstimate.Of(request.Messages),
            request.Settings.MaxTokens,
            request.Model,
            request.Settings.N ?? 1);
        try
        {
            var hold = await billing.HoldAsync(estimate, cancellationToken);
            var priced = route.Providers.Where(p => hold.Providers.Contains(p.Name)).ToArray();
            return (hold, route with { Providers = priced });
        }
        catch (Exception ex)
        {
            meter.Attempt(route.Providers[0].Name, route.Name.Model);
            recorder.Record(meter.Failed(ex, default, cancellationToken));
            throw;
        }
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
        var estimate = new CallEstimate(
            meter.CallId.ToString(),
            type,
            route.Name.Model,
            route.Providers.Select(nameOf).ToArray(),
            PromptTokenEstimate.Of(texts),
            type == CallType.Image ? images : 0,
            requestedModel);
        try
        {
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

    /// <summary>Settles the hold for the call's outcome and returns the record with what the call cost.</summary>
    public async Task<CallRecord> SettleAsync(CallHold hold, CallRecord outcome, TokenUsage usage)
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
            usage = usage with { PromptTokens = hold.EstimatedPromptTokens };
            outcome = outcome with { PromptTokens = usage.PromptTokens };
        }

        var charge = await billing.CaptureAsync(hold, outcome.Provider, usage, outcome.Images, CancellationToken.None);
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
