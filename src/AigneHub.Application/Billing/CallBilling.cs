using AigneHub.Application.Observability;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>
/// Holds, captures and releases on the caller's credit account (credits mode), and costs every call in US dollars
/// from its rate's unit costs (both modes). The hold is the most the call can cost (<see cref="HoldSizing"/>): the
/// prompt bound at the input rate plus the output the call may produce at the output rate, at the dearest provider
/// that may serve it; a chat call's output is lowered to what the account can pay for, and the provider is sent that
/// as max_tokens. The rate versions read for the hold price the capture; <see cref="HoldLeases"/> keeps the hold
/// alive while the call runs. Holds, captures and releases go through this instance's <see cref="CreditLedgerWriter"/>,
/// which writes all that are waiting in one transaction; a busy account's holds are served from this instance's lease
/// of its balance instead (<see cref="BalanceLeases"/>, ADR 0024), and their captures are written behind.
/// </summary>
internal sealed partial class CallBilling(
    BillingCache cache,
    ICallerContext caller,
    TimeProvider time,
    IOptions<BillingOptions> options,
    HoldLeases leases,
    CreditLedgerWriter ledger,
    ILogger<CallBilling> logger,
    HubMetrics? metrics = null,
    Budgets.BudgetAdmission? budgets = null,
    BalanceLeases? balanceLeases = null) : ICallBilling
{
    public async Task<CallHold> HoldAsync(CallEstimate estimate, CancellationToken cancellationToken)
    {
        var settings = await cache.SettingsAsync(cancellationToken);
        var (reservation, budgetOutput) = budgets is null
            ? (AigneHub.Application.Abstractions.BudgetReservation.None, null)
            : await budgets.ReserveAsync(caller.Current, estimate, settings.DefaultHoldTokens, cancellationToken);
        try
        {
            var hold = await HoldCreditsAsync(estimate, settings, cancellationToken);
            return reservation.Windows.Count == 0 && budgetOutput is null
                ? hold
                : hold with { Budget = reservation, OutputTokenLimit = hold.OutputTokenLimit ?? budgetOutput };
        }
        catch (Exception) when (reservation.Windows.Count > 0)
        {
            await SettleBudgetsAsync(reservation, 0m);
            throw;
        }
    }

    private async ValueTask<CallHold> HoldCreditsAsync(CallEstimate estimate, BillingSettings settings, CancellationToken cancellationToken)
    {
        var userId = caller.Current?.UserId;
        if (!settings.CreditsEnabled)
        {
            return new CallHold(estimate.CallId, userId, estimate.Type, estimate.Model, estimate.Providers, null, estimate.PromptTokens.Times(estimate.Choices))
            {
                Fallbacks = [.. estimate.Fallbacks.Select(f => new HeldFallback(f.Model, f.Providers, null))],
            };
        }

        if (userId is null)
        {
            throw new UnauthenticatedException("Credit billing is on: calls need an authenticated caller whose credit account pays for them.");
        }

        var priced = new List<string>(estimate.Providers.Count);
        var rates = new Dictionary<string, ModelRate>(estimate.Providers.Count, StringComparer.Ordinal);
        foreach (var provider in estimate.Providers)
        {
            if (await cache.RateAsync(estimate.Type, provider, estimate.Model, cancellationToken) is { } rate)
            {
                priced.Add(provider);
                rates[provider] = rate;
            }
        }

        if (priced.Count == 0)
        {
            throw new RequestValidationException([new FieldViolation(
                "model", $"The model '{estimate.RequestedModel}' has no rate on this hub, so it cannot be billed; ask an operator to price it.")]);
        }

        // The hold covers the dearest model of the fallback chain, at the longest prompt bound of the chain; counted
        // here, not in the decision of a direct hold: that runs in the ledger writer's batch, under the account's lock.
        var fallbacks = await PriceFallbacksAsync(estimate, cancellationToken);
        ModelRate[] sizingRates = fallbacks.Length == 0 ? [.. rates.Values] : [.. rates.Values, .. fallbacks.SelectMany(f => f.Rates!.Values)];
        if (balanceLeases is not null)
        {
            // From this instance's lease of the account's balance (ADR 0024) a larger hold costs nothing, so it is sized
            // on a prompt bound that runs no tokenizer (never below the tokenizer's); the tokenizer counts the prompt only
            // for a direct hold, where the balance may lower max_tokens or refuse the call, and for a call cut short
            // before its provider reported usage (charged at the counted bound, as on the direct path).
            var (outputTokenLimit, amount) = Size(estimate, settings, sizingRates, PromptBoundOf(estimate, upper: true), decimal.MaxValue);
            if (balanceLeases.TryHold(userId, estimate.CallId, amount, settings))
            {
                // No ledger change until the capture.
                var counted = new PromptBound(() => HoldSizing.PerChoice(PromptBoundOf(estimate, upper: false), estimate.Choices));
                return new CallHold(estimate.CallId, userId, estimate.Type, estimate.Model, priced, amount, counted, rates)
                {
                    OutputTokenLimit = outputTokenLimit,
                    Fallbacks = fallbacks,
                };
            }
        }

        return await HoldDirectAsync(estimate, settings, userId, priced, rates, fallbacks, sizingRates, cancellationToken);
    }

    /// <summary>A hold of the call's own, written by the ledger writer under the account's lock (ADR 19).</summary>
    private async Task<CallHold> HoldDirectAsync(
        CallEstimate estimate,
        BillingSettings settings,
        string userId,
        List<string> priced,
        Dictionary<string, ModelRate> rates,
        HeldFallback[] fallbacks,
        ModelRate[] sizingRates,
        CancellationToken cancellationToken)
    {
        var promptBound = PromptBoundOf(estimate, upper: false);
        var holdMinutes = options.Value.HoldMinutes;
        var model = $"{priced[0]}/{estimate.Model}";
        var (outputTokenLimit, amount) = Size(estimate, settings, sizingRates, promptBound, decimal.MaxValue);
        CreditsHeld Decide(CreditAccount account) => DomainRules.Run(() =>
        {
            // Sized on the balance that the account's earlier holds left (under its lock): a short balance lowers a
            // chat call's output instead of refusing it.
            (outputTokenLimit, amount) = Size(estimate, settings, sizingRates, promptBound, account.Available);

            // Dated once the account is locked, not when the call arrived: a call that queued behind others is not
            // entered before them.
            var now = CreditLedger.TimeOf(account, time.GetUtcNow());
            return CreditLedger.Hold(account, estimate.CallId, amount, model, now.AddMinutes(holdMinutes), now);
        }, settings.PaymentLink);

        var least = estimate.Type == CallType.Chat ? HoldSizing.ChatLeast(sizingRates, promptBound, estimate.Choices) : amount;
        await RefuseIfShortAsync(userId, least, Decide, cancellationToken);
        decimal? seen = null;
        try
        {
            await ledger.ChangeAsync(userId, settings, account =>
            {
                seen = account.Available;
                return [Decide(account)];
            },
            cancellationToken,
            estimate.CallId);
        }
        catch (InsufficientCreditsException) when (seen is { } available)
        {
            cache.NoteShort(userId, available);
            throw;
        }

        cache.ForgetShort(userId);
        leases.Track(estimate.CallId, userId);
        return new CallHold(
            estimate.CallId, userId, estimate.Type, estimate.Model, priced, amount, PromptBound.Of(HoldSizing.PerChoice(promptBound, estimate.Choices)), rates)
        {
            OutputTokenLimit = outputTokenLimit,
            Fallbacks = fallbacks,
        };
    }

    /// <summary>
    /// The hold of a call whose prompt bounds at <paramref name="promptBound"/> tokens per choice, when
    /// <paramref name="available"/> credits are: the output tokens per choice it pays for (chat) and the amount.
    /// </summary>
    private static (int? OutputTokens, decimal Amount) Size(
        CallEstimate estimate, BillingSettings settings, ModelRate[] rates, int promptBound, decimal available) => estimate.Type switch
    {
        CallType.Chat => HoldSizing.Chat(rates, promptBound, estimate.Choices, estimate.MaxOutputTokens ?? settings.DefaultHoldTokens, available) is var size
            ? (size.OutputTokens, size.Amount)
            : default,
        CallType.Image => (null, HoldSizing.Ceiling(rates, HoldSizing.PerChoice(promptBound, estimate.Choices), 0, images: estimate.MaxOutputTokens ?? 1)),
        _ => (null, HoldSizing.Ceiling(rates, HoldSizing.PerChoice(promptBound, estimate.Choices), 0)),
    };

    /// <summary>The longest prompt bound of the call's model and its fallback models: counted, or the <paramref name="upper"/> bound that runs no tokenizer.</summary>
    private static int PromptBoundOf(CallEstimate estimate, bool upper)
    {
        var bound = upper ? estimate.PromptTokens.Upper : estimate.PromptTokens.Tokens;
        foreach (var fallback in estimate.Fallbacks)
        {
            bound = Math.Max(bound, fallback.PromptTokens);
        }

        return bound;
    }

    /// <summary>
    /// Refuses the hold at once, without a place in the ledger writer's queue or a row lock, when this instance last
    /// found the account too short for a call of at least <paramref name="least"/> credits and one plain read of the
    /// account as committed agrees (<paramref name="decide"/>, the writer's own decision, refuses it with the same
    /// error). Exact: the refusal is ordered before any grant, top-up or release committed after the read, and a
    /// capture only lowers the balance. Never refused on the hint alone (another instance may have topped the account
    /// up); a user without an account yet is left to the writer, which opens it with the new-user grant.
    /// </summary>
    private async Task RefuseIfShortAsync(string userId, decimal least, Func<CreditAccount, CreditsHeld> decide, CancellationToken cancellationToken)
    {
        if (cache.ShortAvailable(userId) is not { } known || least <= known)
        {
            return;
        }

        CreditAccount? account;
        try
        {
            account = await cache.AccountAsync(userId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only a shortcut: the writer decides the hold (and answers 503 if the database is out of reach).
            LogShortCheckFailed(logger, ex, userId);
            return;
        }

        if (account is null)
        {
            return;
        }

        try
        {
            decide(account);
        }
        catch (InsufficientCreditsException)
        {
            cache.NoteShort(userId, account.Available);
            throw;
        }
        catch (HubException)
        {
            // Any other rule (a duplicate hold) is the writer's to decide, under the account's lock.
        }
    }

    /// <summary>The fallback models that have a rate on at least one of their providers, with those providers and rates.</summary>
    private async ValueTask<HeldFallback[]> PriceFallbacksAsync(CallEstimate estimate, CancellationToken cancellationToken)
    {
        if (estimate.Fallbacks.Count == 0)
        {
            return [];
        }

        var held = new List<HeldFallback>();
        foreach (var fallback in estimate.Fallbacks)
        {
            var rates = new Dictionary<string, ModelRate>(StringComparer.Ordinal);
            foreach (var provider in fallback.Providers)
            {
                if (await cache.RateAsync(estimate.Type, provider, fallback.Model, cancellationToken) is { } rate)
                {
                    rates[provider] = rate;
                }
            }

            if (rates.Count > 0)
            {
                held.Add(new HeldFallback(fallback.Model, [.. fallback.Providers.Where(rates.ContainsKey)], rates));
            }
        }

        return [.. held];
    }

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
                var events = DomainRules.Run(() => CreditLedger.Capture(current, hold.CallId, cost, rate?.Id, rate?.Version, usage.PromptTokens,
                    usage.CompletionTokens, usage.CachedPromptTokens, costUsd, time.GetUtcNow()));
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
        var charged = Domain.Billing.Credits.Round(cost * fraction);
        if (charged > 0m && balanceLeases?.TryHold(userId, callId, charged, settings) == true)
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
                var captured = DomainRules.Run(() => CreditLedger.Capture(
                    afterHold, callId, charged, rate?.Id, rate?.Version, usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens, 0m, now));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the credit account of user {UserId} to refuse a call it cannot cover at once; the ledger writer decides it")]
    private static partial void LogShortCheckFailed(ILogger logger, Exception exception, string userId);

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
