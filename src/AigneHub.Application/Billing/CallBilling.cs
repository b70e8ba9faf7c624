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

        if (estimate.ServiceTier is "priority" or "scale")
        {
            // The provider bills these tiers above its standard prices, which are what the rates price: the caller
            // would be served at the hub's expense.
            throw new RequestValidationException([new FieldViolation(
                "service_tier", $"service_tier '{estimate.ServiceTier}' costs more than the rates this hub charges credits by; leave it out, or ask for 'auto', 'default' or 'flex'.")]);
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
            if (await balanceLeases.HoldAsync(userId, estimate.CallId, amount, settings, cancellationToken))
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the credit account of user {UserId} to refuse a call it cannot cover at once; the ledger writer decides it")]
    private static partial void LogShortCheckFailed(ILogger logger, Exception exception, string userId);
}
