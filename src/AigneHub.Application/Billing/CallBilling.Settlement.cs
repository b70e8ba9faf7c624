using AigneHub.Application.Observability;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>
/// The settling half of <see cref="CallBilling"/>: a served call's capture at the rate version its hold read (at most
/// the hold when the stream was cut at its ceiling), the release of a call that was not served, a response-cache hit's
/// charge, and the call's spend-budget reservation settled with its cost.
/// </summary>
internal sealed partial class CallBilling
{
    public async Task<CallCharge> CaptureAsync(
        CallHold hold, string provider, TokenUsage usage, int images, bool atMostTheHold, CancellationToken cancellationToken)
    {
        var rate = hold.RateOf(provider) ?? await cache.RateAsync(hold.Type, provider, hold.Model, cancellationToken);
        var costUsd = rate is null ? null : RateDecisions.CostUsd(rate, usage, images);
        await SettleBudgetsAsync(hold.Budget, costUsd ?? 0m);
        if (!hold.IsHeld || hold.UserId is null)
        {
            return new CallCharge(null, costUsd, rate?.Id, rate?.Version);
        }

        var cost = rate is null ? 0m : RateDecisions.Cost(rate, usage, images);
        if (cost > hold.HeldCredits)
        {
            // The hold should have been the most the call could cost: either the provider produced more than it was
            // allowed (a stream the hub ended at its hold) or the prompt bound was wrong for this model.
            LogCostAboveHold(logger, hold.CallId, provider, hold.Model, cost, hold.HeldCredits.Value, usage.PromptTokens, usage.CompletionTokens, atMostTheHold);
            cost = atMostTheHold ? hold.HeldCredits.Value : cost;
        }

        if (balanceLeases?.TryCapture(hold.CallId, cost, rate?.Id, rate?.Version, usage, costUsd) == true)
        {
            // Written behind, with the other captures of the next flush; the lease had the credits.
            return new CallCharge(cost, costUsd, rate?.Id, rate?.Version);
        }

        try
        {
            var settings = await cache.SettingsAsync(cancellationToken);
            HoldCaptured? captured = null;
            await ledger.SettleAsync(hold.UserId, settings, current =>
            {
                var events = DomainRules.Run(() =>
                    CreditLedger.Capture(current, new CallCapture(hold.CallId, cost, rate?.Id, rate?.Version, usage, costUsd), time.GetUtcNow()));
                captured = events.OfType<HoldCaptured>().FirstOrDefault();
                return events;
            },
            hold.CallId,
            cancellationToken);
            if (captured is { Uncollected: > 0 } unpaid)
            {
                LogUncollected(logger, hold.CallId, hold.UserId, unpaid.Uncollected);
                metrics?.RecordUncollected(unpaid.Uncollected, provider, hold.Model);
            }

            if (captured is { HoldAmount: 0m } late && hold.HeldCredits > 0m)
            {
                LogCapturedAfterRelease(logger, hold.CallId, late.Amount);
            }

            return new CallCharge(captured?.Amount, costUsd, rate?.Id, rate?.Version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The call was served; its hold stays and the recovery job settles it from the call record once it lapses.
            LogSettleFailed(logger, ex, hold.CallId, "capture");
            return new CallCharge(null, costUsd, rate?.Id, rate?.Version);
        }
        finally
        {
            leases.Forget(hold.CallId);
        }
    }

    public async Task ReleaseAsync(CallHold hold, string reason, CancellationToken cancellationToken)
    {
        await SettleBudgetsAsync(hold.Budget, 0m);
        if (!hold.IsHeld || hold.UserId is null || balanceLeases?.TryRelease(hold.CallId) == true)
        {
            return;
        }

        try
        {
            var settings = await cache.SettingsAsync(cancellationToken);
            await ledger.SettleAsync(hold.UserId, settings, current =>
                DomainRules.Run(() => CreditLedger.Release(current, hold.CallId, reason, time.GetUtcNow())),
                hold.CallId,
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSettleFailed(logger, ex, hold.CallId, "release");
        }
        finally
        {
            leases.Forget(hold.CallId);
        }
    }

    public async Task<CacheHitCharge> ChargeCacheHitAsync(
        string callId, CallType type, string provider, string model, TokenUsage usage, decimal fraction, CancellationToken cancellationToken)
    {
        var settings = await cache.SettingsAsync(cancellationToken);
        var rate = await cache.RateAsync(type, provider, model, cancellationToken);
        var savedUsd = rate is null ? null : RateDecisions.CostUsd(rate, usage);
        var userId = caller.Current?.UserId;
        if (!settings.CreditsEnabled || userId is null)
        {
            return new CacheHitCharge(null, null, savedUsd, rate?.Id, rate?.Version);
        }

        var cost = rate is null ? 0m : RateDecisions.Cost(rate, usage);
        var charged = Domain.Billing.Credits.RoundUp(cost * fraction);
        // As a model call's hold: at the limit of unwritten captures, or while the account's first lease is written, it
        // waits (briefly) to be served from the lease rather than add a hold and a capture to a ledger that is behind.
        if (charged > 0m && balanceLeases is not null && await balanceLeases.HoldAsync(userId, callId, charged, settings, cancellationToken))
        {
            balanceLeases.TryCapture(callId, charged, rate?.Id, rate?.Version, usage, 0m);
        }
        else if (charged > 0m)
        {
            // Held and captured in one ledger change: the hold is where a balance too low to pay is refused, and the
            // capture is decided on the account as the hold leaves it, so a hit costs one transaction, not two.
            await ledger.ChangeAsync(userId, settings, account =>
            {
                var now = CreditLedger.TimeOf(account, time.GetUtcNow());
                var held = DomainRules.Run(() => CreditLedger.Hold(account, callId, charged, $"{provider}/{model}", now.AddMinutes(options.Value.HoldMinutes), now), settings.PaymentLink);
                var afterHold = account.Copy();
                CreditAccountEvolution.ApplyAll(afterHold, [held]);
                var captured = DomainRules.Run(() => CreditLedger.Capture(afterHold, new CallCapture(callId, charged, rate?.Id, rate?.Version, usage, 0m), now));
                return [held, .. captured];
            },
            cancellationToken,
            callId);
        }

        return new CacheHitCharge(charged, cost - charged, savedUsd, rate?.Id, rate?.Version);
    }

    /// <summary>Settles the call's budget reservation; on a failure (logged, never failing the call) the reservation-recovery job gives it back once its lease lapses.</summary>
    private async Task SettleBudgetsAsync(AigneHub.Application.Abstractions.BudgetReservation reservation, decimal costUsd)
    {
        if (budgets is null || reservation.Windows.Count == 0)
        {
            return;
        }

        try
        {
            await budgets.SettleAsync(reservation, costUsd, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBudgetSettleFailed(logger, ex, costUsd);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not settle a call's spend-budget reservation at {CostUsd} USD; the reservation-recovery job gives it back once its lease lapses, without this cost")]
    private static partial void LogBudgetSettleFailed(ILogger logger, Exception exception, decimal costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} on {Provider}/{Model} cost {Cost} credits, more than its hold of {Held} ({PromptTokens} prompt and {CompletionTokens} completion tokens reported); charged at most the hold: {AtMostTheHold}")]
    private static partial void LogCostAboveHold(
        ILogger logger, string callId, string provider, string model, decimal cost, decimal held, int promptTokens, int completionTokens, bool atMostTheHold);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId} of user {UserId} cost {Uncollected} credits more than its hold and the account's balance could cover: recorded as uncollected")]
    private static partial void LogUncollected(ILogger logger, string callId, string userId, decimal uncollected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not {Settlement} the hold of call {CallId}; the hold-recovery job will settle it")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string callId, string settlement);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} was captured after its hold had been released (its lease lapsed while it ran); charged {Credits} credits from the available balance")]
    private static partial void LogCapturedAfterRelease(ILogger logger, string callId, decimal credits);
}
