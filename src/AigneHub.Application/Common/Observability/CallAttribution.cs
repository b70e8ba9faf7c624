namespace AigneHub.Application.Common.Observability;

/// <summary>
/// What the layers below the handler learn about the current call and the call record needs: which provider
/// credential served it. The handler's meter starts one per call; adapters and credential rotation write to
/// <see cref="Current"/> (an async-local, like <see cref="System.Diagnostics.Activity.Current"/>), which flows into
/// everything the call awaits. Outside a call there is none and writes are ignored.
/// </summary>
public sealed class CallAttribution
{
    private static readonly AsyncLocal<CallAttribution?> Ambient = new();
    private volatile string? _credentialId;

    private CallAttribution()
    {
    }

    public static CallAttribution? Current => Ambient.Value;

    /// <summary>The credential of the latest attempt (after a failover, the one that answered or failed last).</summary>
    public string? CredentialId => _credentialId;

    /// <summary>Starts the attribution of a new call in the current async flow.</summary>
    public static CallAttribution Begin()
    {
        var attribution = new CallAttribution();
        Ambient.Value = attribution;
        return attribution;
    }

    /// <summary>Notes the credential an attempt of the current call uses; no-op outside a call.</summary>
    public static void UseCredential(string credentialId)
    {
        if (Ambient.Value is { } current)
        {
            current._credentialId = credentialId;
        }
    }
}
