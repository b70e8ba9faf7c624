using System.Globalization;
using System.Runtime.Versioning;

namespace AigneHub.Infrastructure.Security;

/// <summary>
/// The key ring of a hub on its embedded database with no key ring configured: <c>secrets.json</c> in the data folder,
/// made on first run with one new random key and owner-only permissions, and read on every later run. The key and the
/// database it protects live and are backed up together.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class LocalKeyRingFile
{
    public const string FileName = "secrets.json";

    public const string KeyIdPrefix = "local-";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string PathIn(string dataPath) => Path.Combine(Path.GetFullPath(dataPath), FileName);

    public static SecretKeyRing? TryLoadOrCreate(string dataPath, out IReadOnlyList<string> failures)
    {
        var path = PathIn(dataPath);
        var created = false;
        if (!File.Exists(path))
        {
            try
            {
                created = TryCreate(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures = [$"The hub could not create its key file '{path}': {ex.Message}"];
                return null;
            }
        }

        var source = created ? $"key file '{path}' (created now)" : $"key file '{path}'";
        return KeyRingFile.TryRead(path, KeyRingFile.LocalFile, source, out failures);
    }

    /// <summary>Writes a new ring; false when another process created the file first (that one is then used).</summary>
    private static bool TryCreate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        var keyId = KeyIdPrefix + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var key = RandomNumberGenerator.GetBytes(SecretKeyRing.KeySize);
        var content = KeyRingFile.Serialize(new KeyRingDocument
        {
            ActiveKeyId = keyId,
            Keys = new Dictionary<string, string> { [keyId] = Convert.ToBase64String(key) },
        });

        // Written beside the target and moved into place, so a crash never leaves a half-written key ring behind.
        var temporary = $"{path}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp";
        try
        {
            // Created owner-only, never readable by others even for an instant; the umask can only remove bits.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly };
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temporary, OwnerOnly);
            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(content);
            File.Delete(temporary);
        }
    }
}
