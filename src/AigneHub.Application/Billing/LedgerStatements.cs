namespace AigneHub.Application.Billing;

/// <summary>
/// Writes the events and account documents of a ledger batch whose accounts all existed before it with three
/// statements for the whole batch (ADR 0019, "set-based save"): one insert of every event, one update of the streams'
/// versions, one upsert of the account documents. Marten's own save sends an append function call and an upsert per
/// account, so a flush of captures over many accounts cost the database (and the building of statements here) per
/// account rather than per batch. It writes the rows Marten writes (a test compares them column by column), under the
/// row locks the batch took on every stream: no other writer can append to these streams meanwhile, and the unique
/// (stream, version) index refuses the insert should one ever try. A batch that opens an account goes through Marten.
/// </summary>
internal static class LedgerStatements
{
    /// <summary>One account of the batch: its stream's version before the batch, the events the batch decided, and the state they led to.</summary>
    public readonly record struct AccountWrite(string StreamId, long VersionBefore, IReadOnlyList<object> Events, CreditAccount State);

    /// <summary>
    /// Queues the three statements on the session; they run, in its transaction, at its next save. The tables exist:
    /// the batch's lock and load made sure of them.
    /// </summary>
    public static void Queue(IDocumentSession session, IReadOnlyList<AccountWrite> writes, DateTimeOffset at)
    {
        var options = session.DocumentStore.Options;
        var events = (Marten.Events.EventGraph)options.Events;
        var serializer = options.Serializer();
        var schema = events.DatabaseSchemaName;
        var count = writes.Sum(w => w.Events.Count);
        var ids = new Guid[count];
        var streams = new string[count];
        var versions = new long[count];
        var data = new string[count];
        var types = new string[count];
        var dotnetTypes = new string[count];
        var times = new DateTimeOffset[count];
        var accountIds = new string[writes.Count];
        var accountVersions = new long[writes.Count];
        var documents = new string[writes.Count];
        var users = new string[writes.Count];
        var i = 0;
        for (var a = 0; a < writes.Count; a++)
        {
            var write = writes[a];
            var version = write.VersionBefore;
            foreach (var e in write.Events)
            {
                var mapping = events.EventMappingFor(e.GetType());
                ids[i] = Guid.CreateVersion7(at);
                streams[i] = write.StreamId;
                versions[i] = ++version;
                data[i] = serializer.ToJson(e);
                types[i] = mapping.EventTypeName;
                dotnetTypes[i] = mapping.DotNetTypeName;
                times[i] = at;
                i++;
            }

            write.State.Version = checked((int)version);
            accountIds[a] = write.StreamId;
            accountVersions[a] = version;
            documents[a] = serializer.ToJson(write.State);
            users[a] = write.State.UserId;
        }

        // Rows in the arrays' order, so each stream's events take sequence numbers in the order of their versions.
        session.QueueSqlCommand(
            $"insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived) " +
            $"select nextval('{schema}.mt_events_sequence'), e.id, e.stream_id, e.version, e.data::jsonb, e.type, ?, e.at, e.dotnet_type, false " +
            "from unnest(?::uuid[], ?::varchar[], ?::bigint[], ?::text[], ?::varchar[], ?::timestamptz[], ?::varchar[]) " +
            "as e(id, stream_id, version, data, type, at, dotnet_type)",
            JasperFx.StorageConstants.DefaultTenantId, ids, streams, versions, data, types, times, dotnetTypes);
        session.QueueSqlCommand(
            $"update {schema}.mt_streams as s set version = greatest(s.version, v.version), timestamp = now() " +
            "from unnest(?::varchar[], ?::bigint[]) as v(id, version) where s.id = v.id",
            accountIds, accountVersions);
        var table = options.FindOrResolveDocumentType(typeof(CreditAccount)).TableName.QualifiedName;
        session.QueueSqlCommand(
            $"insert into {table} (id, data, mt_version, mt_dotnet_type, mt_last_modified, user_id) " +
            "select d.id, d.data::jsonb, d.version, ?, transaction_timestamp(), d.user_id " +
            "from unnest(?::varchar[], ?::text[], ?::bigint[], ?::varchar[]) as d(id, data, version, user_id) " +
            "on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
            "mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified, user_id = excluded.user_id",
            typeof(CreditAccount).FullName!, accountIds, documents, accountVersions, users);
    }
}
