namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>An image's media type from its first bytes, since providers do not always say which format they sent.</summary>
internal static class ImageMediaTypes
{
    public const string Png = "image/png";

    public static string? Sniff(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]) ? Png
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : bytes.StartsWith("GIF8"u8) ? "image/gif"
        : null;
}
