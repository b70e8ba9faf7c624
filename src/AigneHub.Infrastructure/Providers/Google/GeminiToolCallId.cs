namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// The ids the hub gives Gemini's function calls. Gemini's API usually gives a call no id (it pairs results with calls
/// by name and order), while OpenAI clients need one to answer the call, so the hub makes one up: Gemini's own id when
/// it sent one, else <c>call_</c> and 24 random hex digits. Gemini 3 models also attach a <c>thoughtSignature</c> to a
/// call and refuse the next turn (HTTP 400) if it does not come back with the call; OpenAI's tool_calls have no field
/// for it, so it travels inside the id, after <see cref="SignatureMarker"/>. Clients echo ids unchanged, so the
/// signature returns with the assistant message that replays the call.
/// </summary>
internal static class GeminiToolCallId
{
    /// <summary>Cannot occur inside a base64 signature, and separates it from the id before it.</summary>
    private const string SignatureMarker = ".ts.";

    public static string Create(string? geminiId, string? thoughtSignature)
    {
        var id = string.IsNullOrEmpty(geminiId) ? "call_" + Guid.NewGuid().ToString("N")[..24] : geminiId;
        return string.IsNullOrEmpty(thoughtSignature) ? id : id + SignatureMarker + thoughtSignature;
    }

    /// <summary>The thought signature an id carries; null for ids without one (and for ids other providers made).</summary>
    public static string? ThoughtSignature(string id)
    {
        var marker = id.IndexOf(SignatureMarker, StringComparison.Ordinal);
        return marker < 0 || marker + SignatureMarker.Length == id.Length ? null : id[(marker + SignatureMarker.Length)..];
    }
}
