using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing.Common;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Options;

namespace AigneHub.Application.Caching;

/// <summary>
/// What a cache hit costs and leaves behind: a call record (cache: hit) citing the current rate version of the model
/// that gave the original answer, and in credits mode a charge of <see cref="ResponseCacheOptions.HitChargeFraction"/>
/// of what the original usage costs at that rate (held and captured on the caller's account like any call, so a
/// caller who cannot pay it is refused with 402). No provider is paid, so the hit's own cost in dollars is zero and
/// what the provider would have charged is recorded as saved.
/// </summary>
internal sealed class CacheHitAccounting(
    ICallerContext callers,
    ICallRecorder recorder,
    BillingCache billing,
    CreditLedgerWriter ledger,
    ChatBilling chatBilling,
    IOptions<ResponseCacheOptions> options,
    IOptions<BillingOptions> billingOptions,
    TimeProvider time)
{
    public async Task<HitCharge> SettleAsync(CachePlan plan, string answeredBy, TokenUsage usage, bool streamed, CancellationToken cancellationToken)
    {
        var caller = callers.Current;
        var type = plan.Kind == CacheKind.Chat ? CallType.Chat : CallType.Embedding;
        var meter = CallMeter.Start(time, plan.RequestId, type, streamed, caller);
        ModelName.TryParse(answeredBy, out var name);
        var (provider, model) = (name.Provider ?? string.Empty, name.Model ?? answeredBy);
        meter.Attempt(provider, model);
        meter.FirstByte();
        try
        {
            var settings = await billing.SettingsAsync(cancellationToken);
            var rate = await billing.RateAsync(type, provider, model, cancellationToken);
            var fullCost = rate is null ? 0m : RateDecisions.Cost(rate, usage);
            decimal? charged = null;
            decimal? saved = null;
            if (settings.CreditsEnabled && caller is not null)
            {
                charged = Credits.Round(fullCost * options.Value.HitChargeFraction);
                saved = fullCost - charged;
                if (charged > 0m)
                {
                    await ChargeAsync(caller.UserId, settings, meter.CallId.ToString(), $"{provider}/{model}", charged.Value, rate, usage, cancellationToken);
                }
            }

            recorder.Record(meter.Succeeded(usage) with
            {
                Cache = CacheOutcome.Hit,
                CreditsCharged = charged,
                CostUsd = rate?.UnitCosts is null ? null : 0m,
                RateId = rate?.Id,
                RateVersion = rate?.Version,
                CacheSavedCredits = saved,
                CacheSavedUsd = rate is null ? null : RateDecisions.CostUsd(rate, usage),
            });
            return new HitCharge(charged, charged is null ? null : await chatBilling.CreditPrefixAsync(cancellationToken));
        }
        catch (Exception ex)
        {
            recorder.Record(meter.Failed(ex, default, cancellationToken) with { Cache = CacheOutcome.Hit });
            throw;
        }
    }

    /// <summary>Holds the hit's charge (refused when the balance cannot pay it), then captures it at the cited rate version.</summary>
    private async Task ChargeAsync(
        string userId, BillingSettings settings, string callId, string model, decimal amount, ModelRate? rate, TokenUsage usage, CancellationToken cancellationToken)
    {
        await ledger.ChangeAsync(userId, settings, account =>
        {
            var now = CreditLedger.TimeOf(account, time.GetUtcNow());
            return [CreditRules.Run(() => CreditLedger.Hold(account, callId, amount, model, now.AddMinutes(billingOptions.Value.HoldMinutes), now), settings.PaymentLink)];
        },
        cancellationToken,
        callId);
        await ledger.ChangeAsync(userId, settings, account => CreditRules.Run(() => CreditLedger.Capture(
            account, callId, amount, rate?.Id, rate?.Version, usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens, 0m, time.GetUtcNow())),
            CancellationToken.None,
            callId);
    }
}

/// <summary>What a hit was charged (credits mode) and the currency prefix that labels it; both null when nothing was charged.</summary>
internal sealed record HitCharge(decimal? Credits, string? CreditPrefix);
