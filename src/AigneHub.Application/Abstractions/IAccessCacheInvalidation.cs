namespace AigneHub.Application.Abstractions;

/// <summary>
/// This instance's in-memory view of keys and users (what authentication reads). The handlers that change a key, a
/// user's role or their apps call it after saving and before answering, so that on this instance the change holds at
/// once: a revoked key is refused by the very next request, a rotated key answers only to its new secret. Other
/// instances notice the change within their refresh interval.
/// </summary>
public interface IAccessCacheInvalidation
{
    /// <summary>Reloads the view now from what is stored; waits for a reload already under way rather than racing it.</summary>
    Task InvalidateAsync(CancellationToken cancellationToken);
}
