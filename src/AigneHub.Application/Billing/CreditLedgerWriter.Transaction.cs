using JasperFx;
using Npgsql;

namespace AigneHub.Application.Billing;

/// <summary>
/// One transaction of <see cref="CreditLedgerWriter"/>'s batch: every account of the batch locked (in id order) and
/// loaded with the settlements of its calls in one round trip, each change decided in order on the state the earlier
/// ones left, the events appended and the settlement index stored, all committed at once.
/// </summary>
internal sealed partial class CreditLedgerWriter
{
    /// <summary>
    /// One transaction: lock, load, decide in order, append, commit. A retry after a commit of unknown outcome first
    /// looks, under the locks, for that commit's mark (ADR 0027): found, the changes the earlier try decided are
    /// completed as it decided them and leave the batch; only the rest are decided here.
    /// </summary>
    private async Task<Outcome[]> WriteAsync(List<LedgerChange> batch, Attempt attempt)
    {
        await using var session = _store.LightweightSession();
        var (accounts, settled, previousCommitted) = await LockAndLoadAsync(session, batch, attempt.Previous?.Id).ConfigureAwait(false);
        attempt.ResolvedPrevious = true;
        if (previousCommitted)
        {
            var decided = attempt.Previous!.Decided!;
            foreach (var change in batch)
            {
                if (decided.TryGetValue(change, out var outcome))
                {
                    outcome.Complete(change);
                }
            }

            batch.RemoveAll(decided.ContainsKey);
        }

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
                account.Pending.AddRange(opened);
                state = CreditAccountEvolution.Start(opened);
                account.State = state;
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
                account.Pending.AddRange(events);
                CallSettlements.Collect(settlements, change.StreamId, events);
                CreditAccountEvolution.ApplyAll(state, events);
                appended = true;
            }

            outcomes[i] = Outcome.Succeeded(state);
        }

        if (appended)
        {
            QueueAppends(session, accounts, now);
            await CallSettlements.StoreAllAsync(session, settlements, CancellationToken.None).ConfigureAwait(false);
            session.Insert(new LedgerCommit { Id = attempt.Id, At = now });
            attempt.CommittingAt = now;
            attempt.Decided = new Dictionary<LedgerChange, Outcome>(batch.Count, ReferenceEqualityComparer.Instance);
            for (var i = 0; i < batch.Count; i++)
            {
                attempt.Decided[batch[i]] = outcomes[i];
            }

            await session.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _commits);
        }

        return outcomes;
    }

    /// <summary>
    /// Locks and loads every account of the batch, and the settlements of its calls, in one round trip (ADR 0024): one
    /// statement locks the streams' rows <c>FOR UPDATE</c> in id order (two instances' batches that share accounts queue
    /// behind each other, never deadlock) and reads their versions; the next ones read the account documents and the
    /// settlements under those locks, so no other writer changes these accounts or settles these calls meanwhile. An
    /// account whose stream has no row yet is opened by the batch. With <paramref name="previousAttempt"/>, it also tells
    /// whether that attempt's commit mark exists: read after the locks, which that attempt's transaction held until it
    /// ended, so a commit still under way when its answer was lost is waited for, not missed.
    /// </summary>
    private static async Task<(Dictionary<string, Account> Accounts, IReadOnlyDictionary<string, CallSettlement> Settled, bool PreviousCommitted)> LockAndLoadAsync(
        IDocumentSession session, List<LedgerChange> batch, Guid? previousAttempt)
    {
        var options = session.DocumentStore.Options;
        await session.Database.EnsureStorageExistsAsync(typeof(JasperFx.Events.IEvent), CancellationToken.None).ConfigureAwait(false);
        await session.Database.EnsureStorageExistsAsync(typeof(CreditAccount), CancellationToken.None).ConfigureAwait(false);
        await session.Database.EnsureStorageExistsAsync(typeof(CallSettlement), CancellationToken.None).ConfigureAwait(false);
        await session.Database.EnsureStorageExistsAsync(typeof(LedgerCommit), CancellationToken.None).ConfigureAwait(false);
        await session.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);

        var ids = batch.Select(c => c.StreamId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var callIds = batch.Where(c => c.CallId is not null).Select(c => c.CallId!).Distinct(StringComparer.Ordinal).ToArray();
        var schema = ((Marten.Events.EventGraph)options.Events).DatabaseSchemaName;
        var accountsTable = options.FindOrResolveDocumentType(typeof(CreditAccount)).TableName.QualifiedName;
        var settlementsTable = options.FindOrResolveDocumentType(typeof(CallSettlement)).TableName.QualifiedName;
        // The documents are read by a statement of their own, after the locks: a joined row is not read again when the
        // lock waited for another writer's commit (read committed), so it could be older than the version locked.
        await using var query = new NpgsqlBatch(session.Connection);
        query.BatchCommands.Add(Statement($"select s.id, s.version from {schema}.mt_streams as s where s.id = any($1) order by s.id for update", ids));
        query.BatchCommands.Add(Statement($"select d.id, d.data from {accountsTable} as d where d.id = any($1)", ids));
        query.BatchCommands.Add(Statement($"select d.data from {settlementsTable} as d where d.id = any($1)", callIds));
        if (previousAttempt is { } previous)
        {
            var commitsTable = options.FindOrResolveDocumentType(typeof(LedgerCommit)).TableName.QualifiedName;
            query.BatchCommands.Add(new NpgsqlBatchCommand($"select count(*) from {commitsTable} as d where d.id = $1") { Parameters = { new NpgsqlParameter { Value = previous } } });
        }

        var serializer = options.Serializer();
        var versions = new Dictionary<string, long>(ids.Length, StringComparer.Ordinal);
        var documents = new Dictionary<string, CreditAccount>(ids.Length, StringComparer.Ordinal);
        var settled = new Dictionary<string, CallSettlement>(StringComparer.Ordinal);
        var previousCommitted = false;
        await using (var reader = await query.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                versions[reader.GetString(0)] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                documents[reader.GetString(0)] = serializer.FromJson<CreditAccount>(reader, 1);
            }

            await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var settlement = serializer.FromJson<CallSettlement>(reader, 0);
                settled[settlement.Id] = settlement;
            }

            if (previousAttempt is not null)
            {
                await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
                await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                previousCommitted = reader.GetInt64(0) > 0;
            }
        }

        var accounts = new Dictionary<string, Account>(ids.Length, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!versions.TryGetValue(id, out var version))
            {
                accounts[id] = new Account(null, null);
                continue;
            }

            // A stream without its document (never the case while the inline projection writes it): its events say.
            var state = documents.GetValueOrDefault(id)
                ?? await session.Events.AggregateStreamAsync<CreditAccount>(id, token: CancellationToken.None).ConfigureAwait(false);
            accounts[id] = new Account(version, state);
        }

        return (accounts, settled, previousCommitted);
    }

    private static NpgsqlBatchCommand Statement(string sql, string[] values) => new(sql) { Parameters = { new NpgsqlParameter { Value = values } } };

    /// <summary>
    /// Queues the batch's events: the accounts that existed get them through three set-based statements for the whole
    /// batch (<see cref="LedgerStatements"/>); an account the batch opens starts its stream through Marten (whose inline
    /// projection stores its first document, and which refuses a stream another writer started meanwhile).
    /// </summary>
    private static void QueueAppends(IDocumentSession session, Dictionary<string, Account> accounts, DateTimeOffset now)
    {
        var writes = new List<LedgerStatements.AccountWrite>();
        foreach (var (id, account) in accounts)
        {
            if (account.Pending.Count == 0)
            {
                continue;
            }

            if (account.VersionBefore is { } version)
            {
                writes.Add(new(id, version, account.Pending, account.State!));
            }
            else
            {
                session.Events.StartStream<CreditAccount>(id, account.Pending);
            }
        }

        if (writes.Count > 0)
        {
            LedgerStatements.Queue(session, writes, now);
        }
    }

    /// <summary>
    /// One try at writing a batch: the id of its commit mark and, once it reached its commit, what it decided for each
    /// change. A retry carries the try whose commit's outcome is still unknown (<see cref="Previous"/>).
    /// </summary>
    private sealed class Attempt(Attempt? previous)
    {
        public Guid Id { get; } = Guid.CreateVersion7();

        public Attempt? Previous { get; } = previous;

        /// <summary>Whether this try got as far as reading the earlier try's commit mark (and acted on it).</summary>
        public bool ResolvedPrevious { get; set; }

        /// <summary>Set just before the commit: the outcome of each change of the batch.</summary>
        public Dictionary<LedgerChange, Outcome>? Decided { get; set; }

        /// <summary>When this try reached its commit (this instance's clock).</summary>
        public DateTimeOffset CommittingAt { get; set; }

        /// <summary>What the next try must check: this one if it reached its commit, else the earlier one if still unknown.</summary>
        public Attempt? Unresolved => Decided is not null ? this : ResolvedPrevious ? null : Previous;
    }

    /// <summary>
    /// An account of the batch: its stream's version when the batch locked it (null: no stream yet, the batch opens it),
    /// the state the batch's decisions evolve, and the events they appended.
    /// </summary>
    private sealed class Account(long? versionBefore, CreditAccount? state)
    {
        public long? VersionBefore { get; } = versionBefore;

        public CreditAccount? State { get; set; } = state;

        public List<object> Pending { get; } = [];
    }

    private static bool IsRaceWorthRetrying(Exception ex) =>
        ex is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException;

    private static Exception Translate(Exception ex) => ex switch
    {
        HubException hub => hub,
        _ when IsRaceWorthRetrying(ex) => new ConflictException("Credit accounts kept changing while the hub wrote to them; try again."),
        _ => new ServiceBusyException("The hub could not write to its credit ledger just now; try again in a moment.", BusyRetryAfter, ex),
    };
}
