using JasperFx;

namespace AigneHub.Application.Billing;

/// <summary>
/// One transaction of <see cref="CreditLedgerWriter"/>'s batch: every account of the batch locked (in id order) and
/// loaded with the settlements of its calls in one round trip, each change decided in order on the state the earlier
/// ones left, the events appended and the settlement index stored, all committed at once.
/// </summary>
internal sealed partial class CreditLedgerWriter
{
    /// <summary>One transaction: lock, load, decide in order, append, commit.</summary>
    private async Task<Outcome[]> WriteAsync(List<LedgerChange> batch)
    {
        await using var session = _store.LightweightSession();
        var (accounts, settled) = await LockAndLoadAsync(session, batch).ConfigureAwait(false);
        foreach (var settlement in settled.Values)
        {
            if (accounts.TryGetValue(settlement.AccountId, out var owner))
            {
                owner.State?.Remember(settlement);
            }
        }

        var now = _time.GetUtcNow();
        var outcomes = new Outcome[batch.Count];
        var settlements = new List<CallSettlement>();
        var appended = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var change = batch[i];
            var account = accounts[change.StreamId];
            if (account.State is not { } state)
            {
                var opened = CreditLedger.Open(null, change.UserId, change.Settings, Guid.CreateVersion7(), now);
                account.Stream.AppendMany(opened);
                state = CreditAccountEvolution.Start(opened);
                accounts[change.StreamId] = account with { State = state };
                appended = true;
            }

            if (change.CallerToken.IsCancellationRequested)
            {
                outcomes[i] = Outcome.Cancelled;
                continue;
            }

            IReadOnlyList<object> events;
            try
            {
                events = change.Decide(state);
            }
            catch (Exception ex)
            {
                outcomes[i] = Outcome.Failed(ex);
                continue;
            }

            if (events.Count > 0)
            {
                account.Stream.AppendMany(events);
                CallSettlements.Collect(settlements, change.StreamId, events);
                CreditAccountEvolution.ApplyAll(state, events);
                appended = true;
            }

            outcomes[i] = Outcome.Succeeded(state);
        }

        if (appended)
        {
            await CallSettlements.StoreAllAsync(session, settlements, CancellationToken.None).ConfigureAwait(false);
            await session.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _commits);
        }

        return outcomes;
    }

    /// <summary>
    /// Locks and loads every account of the batch, and the settlements of its calls, in one round trip (ADR 0024): one
    /// batched query whose statements PostgreSQL runs in order, each account's stream row locked <c>FOR UPDATE</c> in
    /// id order (two instances' batches that share accounts queue behind each other, never deadlock), then the
    /// settlements read under those locks, so no other writer settles these calls meanwhile. Each stream is fetched
    /// with its version, so the append checks it and the inline projection updates the account it was read with.
    /// </summary>
    private static async Task<(Dictionary<string, Account> Accounts, IReadOnlyDictionary<string, CallSettlement> Settled)> LockAndLoadAsync(
        IDocumentSession session, List<LedgerChange> batch)
    {
        // The transaction first, so that every locking fetch of the batch runs inside it.
        await session.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
        var query = session.CreateBatchQuery();
        var fetches = batch.Select(c => c.StreamId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => (Id: id, Stream: query.Events.FetchForExclusiveWriting<CreditAccount>(id)))
            .ToList();
        var callIds = batch.Where(c => c.CallId is not null).Select(c => c.CallId!).Distinct(StringComparer.Ordinal).ToArray();
        var settlements = callIds.Length == 0 ? null : query.LoadMany<CallSettlement>().ById(callIds);
        await query.Execute(CancellationToken.None).ConfigureAwait(false);

        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var (id, fetch) in fetches)
        {
            var stream = await fetch.ConfigureAwait(false);
            // Decisions see a copy that evolves with each change of the batch; Marten applies the appended events to
            // the fetched original when it saves, so that one must stay as it was read.
            accounts[id] = new Account(stream, stream.Aggregate?.Copy());
        }

        var settled = settlements is null
            ? new Dictionary<string, CallSettlement>(StringComparer.Ordinal)
            : (await settlements.ConfigureAwait(false)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        return (accounts, settled);
    }

    private sealed record Account(JasperFx.Events.IEventStream<CreditAccount> Stream, CreditAccount? State);

    private static bool IsRaceWorthRetrying(Exception ex) =>
        ex is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException;

    private static Exception Translate(Exception ex) => ex switch
    {
        HubException hub => hub,
        _ when IsRaceWorthRetrying(ex) => new ConflictException("Credit accounts kept changing while the hub wrote to them; try again."),
        _ => new ServiceBusyException("The hub could not write to its credit ledger just now; try again in a moment.", BusyRetryAfter, ex),
    };
}
