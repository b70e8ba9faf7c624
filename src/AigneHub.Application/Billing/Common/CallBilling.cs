using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Application.Billing.Common;

/// <summary>
/// Holds, captures and releases on the caller's credit account (credits mode), and costs every call in US dollars
/// from its rate's unit costs (both modes). The estimate held is the prompt estimate at the input rate plus
/// max_tokens (or the default hold size) at the output rate, at the dearest provider that may serve the call. The
/// rate versions read for the hold price the capture; <see cref="HoldLeases"/> keeps the hold alive while the call runs.
/// </summary>
internal sealed partial class CallBilling(
    IDocumentStore store,
    BillingCache cache,
    ICallerContext caller,
    TimeProvider time,
    IOptions<BillingOptions> options,
    HoldLeases leases,
    ILogger<CallBilling> logger) : ICallBilling
{
    public async Task<CallHold> HoldAsync(CallEstimate estimate, CancellationToken cancellationToken)
    {
        var settings = await cache.SettingsAsync(cancellationToken);
        var userId = caller.Current?.UserId;
        var promptTokens = PerChoice(estimate.PromptTokens, estimate.Choices);
        if (!settings.CreditsEnabled)
        {
            return new CallHold(estimate.CallId, userId, estimate.Type, estimate.Model, estimate.Providers, null, promptTokens);
        }

        if (userId is null)
        {
            throw new UnauthenticatedException("Credit billing is on: calls need an authenticated caller whose credit account pays for them.");
        }

        var priced = new List<string>();
        var rates = new Dictionary<string, ModelRate>(StringComparer.Ordinal);
        var amount = 0m;
        foreach (var provider in estimate.Providers)
        {
            if (await cache.RateAsync(estimate.Type, provider, estimate.Model, cancellationToken) is not { } rate)
            {
                continue;
            }

            priced.Add(provider);
            rates[provider] = rate;
            var outputTokens = PerChoice(estimate.MaxOutputTokens ?? settings.DefaultHoldTokens, estimate.Choices);
            var usage = estimate.Type == CallType.Image ? new TokenUsage(promptTokens, 0) : new TokenUsage(promptTokens, outputTokens);
            amount = Math.Max(amount, RateDecisions.Cost(rate, usage, images: estimate.Type == CallType.Image ? outputTokens : 0));
        }

        if (priced.Count == 0)
        {
            throw new RequestValidationException([new FieldViolation(
                "model", $"The model '{estimate.RequestedModel}' has no rate on this hub, so it cannot be billed; ask an operator to price it.")]);
        }

        var holdMinutes = options.Value.HoldMinutes;
        var model = $"{priced[0]}/{estimate.Model}";
        await CreditAccounts.ChangeAsync(store, userId, settings, time, account =>
        {
            // Dated once the account is locked, not when the call arrived: a call that queued behind others is not
            // entered before them.
            var now = CreditLedger.TimeOf(account, time.GetUtcNow());
            return [CreditRules.Run(() => CreditLedger.Hold(account, estimate.CallId, amount, model, now.AddMinutes(holdMinutes), now), settings.PaymentLink)];
        },
        cancellationToken);
        leases.Track(estimate.CallId, userId);
        return new CallHold(estimate.CallId, userId, estimate.Type, estimate.Model, priced, amount, promptTokens, rates);
    }

    /// <summary>Tokens for all of a call's choices, each a provider call of its own (saturating, never overflowing).</summary>
    private static int PerChoice(int tokens, int choices) => (int)Math.Min((long)tokens * Math.Max(choices, 1), int.MaxValue);

    public async Task<CallCharge> CaptureAsync(CallHold hold, string provider, TokenUsage usage, int images, CancellationToken cancellationToken)
    {
        var rate = hold.RateOf(provider) ?? await cache.RateAsync(hold.Type, provider, hold.Model, cancellationToken);
        var costUsd = rate is null ? null : RateDecisions.CostUsd(rate, usage, images);
        if (!hold.IsHeld || hold.UserId is null)
        {
            return new CallCharge(null, costUsd, rate?.Id, rate?.Version);
        }

        var cost = rate is null ? 0m : RateDecisions.Cost(rate, usage, images);
        try
        {
            var settings = await cache.SettingsAsync(cancellationToken);
            HoldCaptured? captured = null;
            await CreditAccounts.ChangeAsync(store, hold.UserId, settings, time, current =>
            {
                var events = CreditRules.Run(() => CreditLedger.Capture(current, hold.CallId, cost, rate?.Id, rate?.Version, usage.PromptTokens,
                    usage.CompletionTokens, usage.CachedPromptTokens, costUsd, time.GetUtcNow()));
                captured = events.OfType<HoldCaptured>().FirstOrDefault();
                return events;
            },
            cancellationToken);
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
        if (!hold.IsHeld || hold.UserId is null)
        {
            return;
        }

        try
        {
            var settings = await cache.SettingsAsync(cancellationToken);
            await CreditAccounts.ChangeAsync(store, hold.UserId, settings, time, current =>
                CreditRules.Run(() => CreditLedger.Release(current, hold.CallId, reason, time.GetUtcNow())),
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not {Settlement} the hold of call {CallId}; the hold-recovery job will settle it")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string callId, string settlement);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} was captured after its hold had been released (its lease lapsed while it ran); charged {Credits} credits from the available balance")]
    private static partial void LogCapturedAfterRelease(ILogger logger, string callId, decimal credits);
}
