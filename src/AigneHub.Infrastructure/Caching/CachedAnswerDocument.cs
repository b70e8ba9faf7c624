namespace AigneHub.Infrastructure.Caching;

/// <summary>
/// A cached answer as stored (a Marten document, <c>mt_doc_cachedanswerdocument</c>), shared by every instance. Public
/// because Marten's generated code must reach it; nothing outside Infrastructure uses it.
/// </summary>
public sealed class CachedAnswerDocument
{
    /// <summary>The cache key: the SHA-256 (hex) of everything that changes the answer, the scope included.</summary>
    public string Id { get; set; } = string.Empty;

    public string Scope { get; set; } = string.Empty;

    public string Model { get; set; } = string.Empty;

    /// <summary>The answer serialized as JSON text (kept as a string: it is only ever read back whole).</summary>
    public string Answer { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
