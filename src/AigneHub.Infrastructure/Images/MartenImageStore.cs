namespace AigneHub.Infrastructure.Images;

/// <summary>Keeps generated images as Marten documents with an expiry; an expired one is never served, even before the clean-up.</summary>
internal sealed class MartenImageStore(IDocumentStore store, TimeProvider time, IOptions<ImageStorageOptions> options) : IImageStore
{
    public async Task<StoredImageReference> SaveAsync(byte[] content, string mediaType, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var document = new StoredImageDocument
        {
            // The id is the link's only secret: fully random, not time-ordered.
            Id = Guid.NewGuid(),
            Content = content,
            MediaType = mediaType,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(options.Value.UrlLifetimeMinutes),
        };

        await using var session = store.LightweightSession();
        session.Store(document);
        await session.SaveChangesAsync(cancellationToken);
        return new StoredImageReference(document.Id, document.ExpiresAt);
    }

    public async Task<StoredImage?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var document = await session.LoadAsync<StoredImageDocument>(id, cancellationToken);
        return document is null || document.ExpiresAt <= time.GetUtcNow()
            ? null
            : new StoredImage(document.Id, document.Content, document.MediaType, document.ExpiresAt);
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var expired = await session.Query<StoredImageDocument>().Where(d => d.ExpiresAt <= now).Select(d => d.Id).ToListAsync(cancellationToken);
        if (expired.Count == 0)
        {
            return 0;
        }

        session.DeleteWhere<StoredImageDocument>(d => d.ExpiresAt <= now);
        await session.SaveChangesAsync(cancellationToken);
        return expired.Count;
    }
}
