namespace AigneHub.Application.Abstractions;

/// <summary>
/// Where the hub keeps generated images that a client asked to receive as a URL. Every image expires; an expired
/// image is never served, and a periodic clean-up deletes it.
/// </summary>
public interface IImageStore
{
    Task<StoredImageReference> SaveAsync(byte[] content, string mediaType, CancellationToken cancellationToken);

    /// <summary>The image, or null when there is none with this id or it has expired.</summary>
    Task<StoredImage?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Deletes every image that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

public sealed record StoredImageReference(Guid Id, DateTimeOffset ExpiresAt);

public sealed record StoredImage(Guid Id, byte[] Content, string MediaType, DateTimeOffset ExpiresAt);
