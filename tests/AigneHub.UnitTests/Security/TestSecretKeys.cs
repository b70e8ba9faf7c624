using AigneHub.Infrastructure.Security;

namespace AigneHub.UnitTests.Security;

/// <summary>Fixed keys and rings for the tests; every key is distinct and recognisable in a failure message.</summary>
internal static class TestSecretKeys
{
    public static string Key(byte seed, int length = SecretKeyRing.KeySize) =>
        Convert.ToBase64String(Enumerable.Range(0, length).Select(i => (byte)(seed + (i * 7))).ToArray());

    public static SecretKeyRing Ring(string activeKeyId, params string[] keyIds) =>
        SecretKeyRing.Load(Options(activeKeyId, keyIds), embeddedDataPath: null);

    public static SecretKeyRingOptions Options(string activeKeyId, params string[] keyIds)
    {
        var options = new SecretKeyRingOptions { ActiveKeyId = activeKeyId };
        foreach (var keyId in keyIds)
        {
            options.Keys[keyId] = Key(Seed(keyId));
        }

        return options;
    }

    // The same id always gets the same key, so two rings that share an id can read each other's secrets.
    private static byte Seed(string keyId) => (byte)keyId.Aggregate(17, (hash, c) => (hash * 31) + c);
}
