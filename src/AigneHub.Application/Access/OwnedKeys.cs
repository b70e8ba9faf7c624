namespace AigneHub.Application.Access;

internal static class OwnedKeys
{
    /// <summary>
    /// On the self-service routes a key of someone else answers as if it did not exist: a member learns nothing about
    /// other users' keys.
    /// </summary>
    public static void RequireOwner(AccessKey key, string? ownedBy)
    {
        if (ownedBy is not null && key.UserId != ownedBy)
        {
            throw new ResourceNotFoundException("key_id", $"There is no access key '{key.Id}'.");
        }
    }
}
