namespace AigneHub.Application.EventSourcing;

/// <summary>
/// A batch of Marten documents stored with one statement in the session's transaction, where Marten's own
/// <c>Store</c> sends one upsert function call per document (the ledger writer settles hundreds of calls a batch, the
/// call recorder writes hundreds of records). It writes the row Marten's upsert writes: id, JSON, .NET type, a new
/// version, the modification time, and the document's duplicated columns (given by the caller, as the mapping declares
/// them); a test per document type compares its rows with Marten's. When an id appears twice, the later document wins,
/// as one store after the other would.
/// </summary>
public static class DocumentBatches
{
    /// <summary>A column the mapping duplicates out of the document (text), with the document's value for it.</summary>
    public sealed record Duplicated<T>(string Column, Func<T, string?> Value);

    /// <summary>Queues the upsert of <paramref name="documents"/> (after making sure their table exists: raw SQL does not create it as Marten's store would).</summary>
    /// <param name="idType">The id column's PostgreSQL type (<c>uuid</c>, <c>varchar</c>).</param>
    public static async Task QueueUpsertAsync<T, TId>(
        IDocumentSession session,
        IEnumerable<T> documents,
        Func<T, TId> id,
        string idType,
        CancellationToken cancellationToken,
        Duplicated<T>? duplicated = null)
        where TId : notnull
    {
        var latest = new Dictionary<TId, T>();
        foreach (var document in documents)
        {
            latest[id(document)] = document;
        }

        if (latest.Count == 0)
        {
            return;
        }

        await session.Database.EnsureStorageExistsAsync(typeof(T), cancellationToken).ConfigureAwait(false);
        var options = session.DocumentStore.Options;
        var serializer = options.Serializer();
        var table = options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        var ids = latest.Keys.ToArray();
        var data = latest.Values.Select(d => serializer.ToJson(d)).ToArray();
        if (duplicated is null)
        {
            session.QueueSqlCommand(
                $"insert into {table} (id, data, mt_dotnet_type, mt_last_modified) " +
                $"select d.id, d.data::jsonb, ?, transaction_timestamp() from unnest(?::{idType}[], ?::text[]) as d(id, data) " +
                "on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
                "mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified",
                typeof(T).FullName!, ids, data);
            return;
        }

        var column = duplicated.Column;
        session.QueueSqlCommand(
            $"insert into {table} (id, data, mt_dotnet_type, mt_last_modified, {column}) " +
            $"select d.id, d.data::jsonb, ?, transaction_timestamp(), d.dup from unnest(?::{idType}[], ?::text[], ?::varchar[]) as d(id, data, dup) " +
            "on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
            $"mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified, {column} = excluded.{column}",
            typeof(T).FullName!, ids, data, latest.Values.Select(duplicated.Value).ToArray());
    }
}
