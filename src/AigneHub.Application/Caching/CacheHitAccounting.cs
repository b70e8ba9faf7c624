namespace AigneHub.Application.Caching;

/// <summary>
/// What a cache hit costs and leaves behind: a call record (cache: hit) citing the current rate version of the model
/// that gave the original answer, and in credits mode a charge of <see cref="ResponseCacheOptions.HitChargeFraction"/>
/// of what the original usage costs at that rate (<see cref="ICallBilling.ChargeCacheHitAsync"/>). No provider is paid,
/// so the hit's own cost in dollars is zero and what the provider would have charged is recorded as saved.
/// </summary>
internal sealed class CacheHitAccounting(
    ICallerContext callers,
    ICallRecorder recorder,
    ICallBilling billing,
    ChatBilling chatBilling,
    IOptions<ResponseCacheOptions> options,
    TimeProvider time)
{
    public async Task<HitCharge> SettleAsync(CachePlan plan, string answeredBy, TokenUsage usage, bool streamed, CancellationToken cancellationToken)
    {
        var type = plan.Kind == CacheKind.Chat ? CallType.Chat : CallType.Embedding;
        var meter = CallMeter.Start(time, plan.RequestId, type, streamed, callers.Current);
        ModelName.TryParse(answeredBy, out var name);
        var (provider, model) = (name.Provider ?? string.Empty, name.Model ?? answeredBy);
        meter.Attempt(provider, model);
        meter.FirstByte();
        try
        {
            var charge = await billing.ChargeCacheHitAsync(meter.CallId.ToString(), type, provider, model, usage, options.Value.HitChargeFraction, cancellationToken);
            recorder.Record(meter.Succeeded(usage) with
            {
                Cache = CacheOutcome.Hit,
                CreditsCharged = charge.Credits,
                CostUsd = charge.SavedUsd is null ? null : 0m,
                RateId = charge.RateId,
                RateVersion = charge.RateVersion,
                CacheSavedCredits = charge.SavedCredits,
                CacheSavedUsd = charge.SavedUsd,
            });
            return new HitCharge(charge.Credits, charge.Credits is null ? null : await chatBilling.CreditPrefixAsync(cancellationToken));
        }
        catch (Exception ex)
        {
            recorder.Record(meter.Failed(ex, default, cancellationToken) with { Cache = CacheOutcome.Hit });
            throw;
        }
    }
}

/// <summary>What a hit was charged (credits mode) and the currency prefix that labels it; both null when nothing was charged.</summary>
internal sealed record HitCharge(decimal? Credits, string? CreditPrefix);
