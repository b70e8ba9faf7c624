namespace AigneHub.Infrastructure.Images;

/// <summary>Generated images the hub keeps to serve by URL (section "Images").</summary>
public sealed class ImageStorageOptions
{
    public const string Section = "Images";

    /// <summary>How long an image link works, from the moment the image was generated.</summary>
    [Range(1, 7 * 24 * 60)]
    public int UrlLifetimeMinutes { get; set; } = 60;

    /// <summary>Whether this instance's Hangfire server runs the clean-up job that deletes expired images (every 10 minutes, defined for the whole cluster).</summary>
    public bool CleanupEnabled { get; set; } = true;
}
