namespace AigneHub.Infrastructure.Security;

/// <summary>
/// The keys that encrypt stored secrets (section "Secrets"). Either <see cref="ActiveKeyId"/> and <see cref="Keys"/>,
/// or <see cref="KeyFile"/>; on the embedded database with neither, the hub keeps its own key in the data folder. See
/// docs/configuration.md.
/// </summary>
public sealed class SecretKeyRingOptions
{
    public const string Section = "Secrets";

    /// <summary>The key that encrypts new secrets; one of the ids in <see cref="Keys"/>.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>Key id → base64 of exactly 32 random bytes. Old keys stay here until nothing encrypted with them is left.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A JSON file holding the key ring (<c>{"activeKeyId": …, "keys": {…}}</c>), read instead of the two above.</summary>
    public string? KeyFile { get; set; }

    internal bool HasInlineKeys => !string.IsNullOrWhiteSpace(ActiveKeyId) || Keys.Count > 0;

    internal bool HasKeyFile => !string.IsNullOrWhiteSpace(KeyFile);
}
