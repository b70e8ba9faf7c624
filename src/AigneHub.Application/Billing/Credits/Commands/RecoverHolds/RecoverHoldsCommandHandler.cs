using AigneHub.Application.Billing.Common;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using Marten;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AigneHub.Application.Billing.Credits.Commands.RecoverHolds;

internal sealed partial class RecoverHoldsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time, ILogger<RecoverHoldsCommandHandler> logger)
    : ICommandHandler<RecoverHoldsCommand, RecoveryReport>
{
    public async ValueTask<RecoveryReport> Handle(RecoverHoldsCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<CreditAccount> accounts;
        await using (var session = store.QuerySession())
        {
            accounts = await session.Query<CreditAccount>().Where(a => a.Holds.Any(h => h.ExpiresAt <= now)).ToListAsync(cancellationToken);
        }

        var settings = await cache.SettingsAsync(cancellationToken);
        int captured = 0, released = 0;
        foreach (var account in accounts)
        {
            foreach (var hold in CreditLedger.OverdueHolds(account, now))
            {
                var record = await ServedCallAsync(hold.CallId, cancellationToken);
                var rate = record is null ? null : await cache.RateAsync(record.CallType, record.Provider, record.Model, cancellationToken);
                IReadOnlyList<object> settled = [];
                await CreditAccounts.ChangeAsync(store, account.UserId, settings, time, current =>
                {
                    settled = Settle(current, hold, record, rate, now);
                    return settled;
                },
                cancellationToken);
                captured += settled.OfType<HoldCaptured>().Count();
                released += settled.OfType<HoldReleased>().Count();
            }
        }

        if (captured + released > 0)
        {
            LogRecovered(logger, captured, released);
        }

        return new RecoveryReport(captured, released);
    }

    /// <summary>The policy: a served call is captured at its recorded usage; any other is released in full.</summary>
    private static IReadOnlyList<object> Settle(CreditAccount current, HoldState hold, CallRecord? record, ModelRate? rate, DateTimeOffset now)
    {
        if (current.Hold(hold.CallId) is null)
        {
            return [];
        }

        if (record is null)
        {
            return CreditLedger.Release(current, hold.CallId, "recovered: the call never completed", now);
        }

        var usage = new TokenUsage(record.PromptTokens, record.CompletionTokens);
        var cost = rate is null ? 0m : RateDecisions.Cost(rate, usage);
        return CreditLedger.Capture(current, hold.CallId, cost, rate?.Id, rate?.Version, usage.PromptTokens, usage.CompletionTokens, 0,
            rate is null ? null : RateDecisions.CostUsd(rate, usage), now);
    }

    /// <summary>The call's record when it shows the provider produced an answer (served, or cut short by the client).</summary>
    private async Task<CallRecord?> ServedCallAsync(string callId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(callId, out var id))
        {
            return null;
        }

        await using var session = store.QuerySession();
        var record = await session.LoadAsync<CallRecord>(id, cancellationToken);
        return record is { Status: CallStatus.Succeeded or CallStatus.Cancelled } ? record : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hold recovery settled overdue holds: {Captured} captured from their call records, {Released} released")]
    private static partial void LogRecovered(ILogger logger, int captured, int released);
}
