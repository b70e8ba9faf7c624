namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Call records as PostgreSQL can store them. Its text and jsonb types cannot hold U+0000, which a caller may put in
/// the free-form fields a record keeps (OpenAI's <c>user</c>, <c>safety_identifier</c>, <c>metadata</c>): one such
/// record made every batch that carried it fail for ever, stopped the recording of every call behind it, and stopped
/// the next start at the journal's replay. Each NUL becomes U+FFFD (the replacement character); a record without one
/// is passed on as it is.
/// </summary>
internal static class StorableCallRecords
{
    private const char Nul = '\0';
    private const char Replacement = '\uFFFD';

    public static IReadOnlyList<CallRecord> Of(IReadOnlyList<CallRecord> records)
    {
        List<CallRecord>? copy = null;
        for (var i = 0; i < records.Count; i++)
        {
            var storable = Of(records[i]);
            if (!ReferenceEquals(storable, records[i]))
            {
                copy ??= [.. records];
                copy[i] = storable;
            }
        }

        return copy ?? records;
    }

    public static CallRecord Of(CallRecord record)
    {
        if (!Has(record.RequestId) && !Has(record.EndUser) && (record.Metadata is null || !record.Metadata.Any(p => Has(p.Key) || Has(p.Value))))
        {
            return record;
        }

        Dictionary<string, string>? metadata = null;
        if (record.Metadata is not null)
        {
            metadata = new Dictionary<string, string>(record.Metadata.Count, StringComparer.Ordinal);
            foreach (var (key, value) in record.Metadata)
            {
                metadata[Clean(key)] = Clean(value);
            }
        }

        return record with { RequestId = Clean(record.RequestId), EndUser = record.EndUser is null ? null : Clean(record.EndUser), Metadata = metadata };
    }

    private static bool Has(string? text) => text is not null && text.Contains(Nul, StringComparison.Ordinal);

    private static string Clean(string text) => text.Replace(Nul, Replacement);
}
