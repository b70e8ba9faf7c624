namespace AigneHub.Application.EventSourcing;

/// <summary>
/// A batch of Marten documents stored with one statement in the session's transaction, where Marten's own
/// <c>Store</c> sends one upsert function call per document (the ledger writer settles hundreds of calls a batch, the
/// call recorder writes hundreds of records, the statistics daemon updates a bucket per user and period). It writes the
/// row Marten's upsert writes: id, JSON, .NET type, a new version, the modification time, and the document's duplicated
/// columns (given by the caller, as the mapping declares them); a test per document type compares its rows with
/// Marten's. When an id appears twice, the later document wins, as one store after the other would.
/// </summary>
public static class DocumentBatches
{
    /// <summary>A column the mapping duplicates out of the document, its PostgreSQL type, and the documents' values for it as a typed array.</summary>
    public sealed record Duplicated<T>(string Column, string SqlType, Func<IEnumerable<T>, object> Values);

    /// <summary>A duplicated text column (<c>varchar</c>).</summary>
    public static Duplicated<T> Text<T>(string column, Func<T, string?> value) =>
        new(column, "varchar", documents => documents.Select(value).ToArray());

    /// <summary>A duplicated <see cref="DateTimeOffset"/> column (<c>timestamptz</c>).</summary>
    public static Duplicated<T> Time<T>(string column, Func<T, DateTimeOffset> value) =>
        new(column, "timestamptz", documents => documents.Select(value).ToArray());

    /// <summary>Queues the upsert of <paramref name="documents"/> (after making sure their table exists: raw SQL does not create it as Marten's store would).</summary>
    /// <param name="operations">A session, or the operations a projection writes through (the daemon commits them with its progress).</param>
    /// <param name="idType">The id column's PostgreSQL type (<c>uuid</c>, <c>varchar</c>).</param>
    public static async Task QueueUpsertAsync<T, TId>(
        IDocumentOperations operations,
        IEnumerable<T> documents,
        Func<T, TId> id,
        string idType,
        CancellationToken cancellationToken,
        params IReadOnlyList<Duplicated<T>> duplicated)
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

        await operations.Database.EnsureStorageExistsAsync(typeof(T), cancellationToken).ConfigureAwait(false);
        var options = operations.DocumentStore.Options;
        var serializer = options.Serializer();
        var table = options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        // The duplicated columns' parts of the statement, each ", x" for every column in order (none: empty).
        string Each(Func<Duplicated<T>, int, string> part) => string.Concat(duplicated.Select((column, i) => ", " + part(column, i)));
        operations.QueueSqlCommand(
            $"insert into {table} (id, data, mt_dotnet_type, mt_last_modified{Each((c, _) => c.Column)}) " +
            $"select d.id, d.data::jsonb, ?, transaction_timestamp(){Each((_, i) => $"d.dup{i}")} " +
            $"from unnest(?::{idType}[], ?::text[]{Each((c, _) => $"?::{c.SqlType}[]")}) as d(id, data{Each((_, i) => $"dup{i}")}) " +
            "on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
            $"mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified{Each((c, _) => $"{c.Column} = excluded.{c.Column}")}",
            [typeof(T).FullName!, latest.Keys.ToArray(), latest.Values.Select(d => serializer.ToJson(d)).ToArray(), .. duplicated.Select(c => c.Values(latest.Values))]);
    }
}
