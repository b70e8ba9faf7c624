using System.Runtime.Versioning;

namespace AigneHub.Infrastructure.Security;

/// <summary>
/// A key ring kept in a JSON file: <c>{"activeKeyId": "key-1", "keys": {"key-1": "&lt;base64 of 32 bytes&gt;"}}</c>.
/// A file whose mode lets the wrong people in is refused rather than silently used.
/// </summary>
internal static class KeyRingFile
{
    private const long MaxLength = 64 * 1024;

    private const UnixFileMode OthersAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode GroupAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    /// <summary>
    /// An operator's file (Secrets:KeyFile): other users must have no access; the group may read it, so a deployment
    /// can share it with the hub's group (a Kubernetes secret mounted with fsGroup, say).
    /// </summary>
    public static readonly KeyFilePolicy ConfiguredFile = new(
        "Secrets:KeyFile",
        OthersAccess,
        "can be read or written by every user",
        "run chmod 600 (or 640 to share it with the hub's group)");

    /// <summary>The hub's own file in the data folder: the hub created it owner-only, and only its owner needs it.</summary>
    public static readonly KeyFilePolicy LocalFile = new(
        "The hub's key file",
        GroupAccess | OthersAccess,
        "can be read or written by users other than its owner",
        "it holds the key to every stored secret; run chmod 600");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static SecretKeyRing? TryRead(string path, KeyFilePolicy policy, out IReadOnlyList<string> failures) =>
        TryRead(path, policy, $"key file '{path}'", out failures);

    public static SecretKeyRing? TryRead(string path, KeyFilePolicy policy, string source, out IReadOnlyList<string> failures)
    {
        var named = $"{policy.Label} '{path}'";
        byte[]? content = null;
        try
        {
            if (!File.Exists(path))
            {
                failures = [$"{named} does not exist."];
                return null;
            }

            if (!OperatingSystem.IsWindows() && ModeProblem(path, policy) is { } modeProblem)
            {
                failures = [$"{named} {modeProblem}"];
                return null;
            }

            if (new FileInfo(path).Length > MaxLength)
            {
                failures = [$"{named} is larger than {MaxLength / 1024} KiB; it is not a key ring file."];
                return null;
            }

            content = File.ReadAllBytes(path);
            var document = JsonSerializer.Deserialize<KeyRingDocument>(content, Json);
            if (document is null)
            {
                failures = [$"{named} holds no key ring (it is JSON null)."];
                return null;
            }

            return SecretKeyRing.FromEntries(document.ActiveKeyId, document.Keys, KeyRingNames.File(path), source, out failures);
        }
        catch (JsonException ex)
        {
            // The parser's own message may quote a piece of the file: say only where it broke.
            failures = [$"{named} is not a valid key ring file (JSON error at line {(ex.LineNumber ?? 0) + 1}); expected {{\"activeKeyId\": …, \"keys\": {{…}}}}."];
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failures = [$"{named} cannot be read: {ex.Message}"];
            return null;
        }
        finally
        {
            if (content is not null)
            {
                CryptographicOperations.ZeroMemory(content);
            }
        }
    }

    public static byte[] Serialize(KeyRingDocument document) => JsonSerializer.SerializeToUtf8Bytes(document, Json);

    [UnsupportedOSPlatform("windows")]
    private static string? ModeProblem(string path, KeyFilePolicy policy)
    {
        var mode = File.GetUnixFileMode(path);
        return (mode & policy.Forbidden) == 0
            ? null
            : $"{policy.Problem} (mode {Convert.ToString((int)mode, 8)}), so the hub will not use it: {policy.Fix} '{path}'.";
    }
}

/// <param name="Label">How messages name the file, before its path.</param>
/// <param name="Forbidden">Permission bits the file must not have.</param>
internal sealed record KeyFilePolicy(string Label, UnixFileMode Forbidden, string Problem, string Fix);

internal sealed class KeyRingDocument
{
    public string? ActiveKeyId { get; set; }

    public Dictionary<string, string>? Keys { get; set; }
}
