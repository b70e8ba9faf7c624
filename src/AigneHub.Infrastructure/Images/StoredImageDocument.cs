namespace AigneHub.Infrastructure.Images;

/// <summary>
/// A generated image stored for the URL the hub handed out (a Marten document, <c>mt_doc_storedimagedocument</c>).
/// Public because Marten's generated code must reach it; nothing outside Infrastructure uses it.
/// </summary>
public sealed class StoredImageDocument
{
    public Guid Id { get; set; }

    public byte[] Content { get; set; } = [];

    public string MediaType { get; set; } = "image/png";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
