using System.Diagnostics.CodeAnalysis;

namespace AigneHub.Infrastructure.Security;

/// <summary>
/// The keys that protect stored secrets, loaded once at start-up: the active one encrypts, any of them decrypts. Key
/// material never leaves this type except to the protector, and no message or <see cref="ToString"/> shows it.
/// </summary>
public sealed class SecretKeyRing
{
    /// <summary>AES-256: every key is exactly 32 bytes.</summary>
    public const int KeySize = 32;

    internal const string NotConfiguredMessage =
        "Secrets:ActiveKeyId is not set: configure a key ring (see docs/configuration.md, section Secrets) with " +
        "Secrets:ActiveKeyId and Secrets:Keys (e.g. Secrets__ActiveKeyId=key-1 and Secrets__Keys__key-1=<the output of " +
        "'openssl rand -base64 32'>), or point Secrets:KeyFile at a key ring file. The hub creates a key of its own only " +
        "when it runs on its embedded database.";

    private readonly Dictionary<string, byte[]> _keys;

    private SecretKeyRing(string activeKeyId, Dictionary<string, byte[]> keys, string source)
    {
        ActiveKeyId = activeKeyId;
        _keys = keys;
        KeyIds = keys.Keys.Order(StringComparer.Ordinal).ToArray();
        Source = source;
    }

    /// <summary>The key that encrypts new secrets.</summary>
    public string ActiveKeyId { get; }

    /// <summary>Every key id in the ring, in ordinal order.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <summary>Where the ring came from ("configuration", "key file '…'"), for a start-up log line.</summary>
    public string Source { get; }

    internal byte[] ActiveKey => _keys[ActiveKeyId];

    /// <summary>
    /// The ring from <c>Secrets:KeyFile</c>, else from <c>Secrets:ActiveKeyId</c> and <c>Secrets:Keys</c>, else, when
    /// <paramref name="embeddedDataPath"/> is given (the hub runs on its embedded database), from
    /// <c>secrets.json</c> in that folder, created with a new key on first use. Throws
    /// <see cref="InvalidOperationException"/> naming every problem (and no key material) when none of these works.
    /// </summary>
    public static SecretKeyRing Load(SecretKeyRingOptions options, string? embeddedDataPath)
    {
        var ring = TryLoad(options, embeddedDataPath, out var failures);
        return ring ?? throw new InvalidOperationException(string.Join(" ", failures));
    }

    internal static SecretKeyRing? TryLoad(SecretKeyRingOptions options, string? embeddedDataPath, out IReadOnlyList<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.HasKeyFile && options.HasInlineKeys)
        {
            failures = ["Set either Secrets:KeyFile or Secrets:ActiveKeyId with Secrets:Keys, not both."];
            return null;
        }

        if (options.HasKeyFile)
        {
            return KeyRingFile.TryRead(Path.GetFullPath(options.KeyFile!), KeyRingFile.ConfiguredFile, out failures);
        }

        if (options.HasInlineKeys)
        {
            return FromEntries(options.ActiveKeyId, options.Keys, KeyRingNames.Configuration, "configuration (Secrets)", out failures);
        }

        if (embeddedDataPath is not null)
        {
            if (OperatingSystem.IsWindows())
            {
                failures = ["The hub keeps its own key file only on Linux and macOS: " + NotConfiguredMessage];
                return null;
            }

            return LocalKeyRingFile.TryLoadOrCreate(embeddedDataPath, out failures);
        }

        failures = [NotConfiguredMessage];
        return null;
    }

    /// <summary>Checks every entry and reports all problems at once; messages name key ids, never keys.</summary>
    internal static SecretKeyRing? FromEntries(
        string? activeKeyId,
        IReadOnlyDictionary<string, string>? entries,
        KeyRingNames names,
        string source,
        out IReadOnlyList<string> failures)
    {
        entries ??= new Dictionary<string, string>();
        var problems = new List<string>();
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (keyId, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!SecretKeyId.IsValid(keyId))
            {
                problems.Add($"{names.Keys} has an invalid key id {SecretKeyId.Describe(keyId)}: a key id is {SecretKeyId.Rule}.");
                continue;
            }

            var key = DecodeKey(value, out var problem);
            if (key is null)
            {
                problems.Add($"{names.Key(keyId)} {problem}");
                continue;
            }

            keys[keyId] = key;
        }

        if (string.IsNullOrWhiteSpace(activeKeyId))
        {
            problems.Add(entries.Count == 0
                ? $"{names.ActiveKeyId} is not set and {names.Keys} is empty: add a key and name it as the active one."
                : $"{names.ActiveKeyId} is not set: name the key in {names.Keys} that encrypts new secrets (key ids: {ListIds(entries.Keys)}).");
        }
        else if (!entries.ContainsKey(activeKeyId))
        {
            problems.Add(entries.Count == 0
                ? $"{names.ActiveKeyId} {SecretKeyId.Describe(activeKeyId)} is not in {names.Keys}, which is empty."
                : $"{names.ActiveKeyId} {SecretKeyId.Describe(activeKeyId)} is not in {names.Keys} (key ids: {ListIds(entries.Keys)}).");
        }

        failures = problems;
        return problems.Count == 0 ? new SecretKeyRing(activeKeyId!, keys, source) : null;
    }

    internal bool TryGetKey(string keyId, [NotNullWhen(true)] out byte[]? key) => _keys.TryGetValue(keyId, out key);

    public override string ToString() => $"SecretKeyRing {{ ActiveKeyId = {ActiveKeyId}, KeyIds = [{string.Join(", ", KeyIds)}] }}";

    private static byte[]? DecodeKey(string? value, out string problem)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "is empty: set it to the base64 of 32 random bytes ('openssl rand -base64 32').";
            return null;
        }

        var buffer = new byte[(value.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(value, buffer, out var length))
        {
            problem = "is not valid base64: set it to the base64 of 32 random bytes ('openssl rand -base64 32').";
            return null;
        }

        if (length != KeySize)
        {
            problem = $"decodes to {length} bytes; an AES-256 key is exactly {KeySize} bytes ('openssl rand -base64 32').";
            return null;
        }

        problem = string.Empty;
        var key = buffer[..KeySize];
        CryptographicOperations.ZeroMemory(buffer);
        return key;
    }

    private static string ListIds(IEnumerable<string> keyIds)
    {
        var valid = keyIds.Where(SecretKeyId.IsValid).Order(StringComparer.Ordinal).Select(SecretKeyId.Describe).ToArray();
        return valid.Length == 0 ? "none valid" : string.Join(", ", valid);
    }
}

/// <summary>How messages name the parts of a key ring, which depends on where the ring came from.</summary>
internal sealed record KeyRingNames(string ActiveKeyId, string Keys, Func<string, string> Key)
{
    public static readonly KeyRingNames Configuration = new("Secrets:ActiveKeyId", "Secrets:Keys", id => $"Secrets:Keys:{id}");

    public static KeyRingNames File(string path) =>
        new($"\"activeKeyId\" in '{path}'", $"\"keys\" in '{path}'", id => $"Key '{id}' in '{path}'");
}
