namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Limits of the Gemini adapter (<see cref="GeminiAdapter"/>). Where and as whom a call goes comes with each call
/// (<see cref="Application.Abstractions.ProviderTarget"/>); these only bound how long the adapter waits.
/// </summary>
public sealed class GeminiAdapterOptions
{
    /// <summary>The Gemini API's root; a target's base URL usually is this (the adapter appends "/v1beta/models/…").</summary>
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";

    /// <summary>Limit on a whole non-streamed call, and on the wait for response headers of a streamed one.</summary>
    public int TimeoutSeconds { get; set; } = 100;

    /// <summary>Longest silence allowed between two reads of a streamed answer.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Every problem, worded for an operator; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (TimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{nameof(GeminiAdapterOptions)}.{nameof(TimeoutSeconds)} must be between 1 and 3600.");
        }

        if (StreamIdleTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{nameof(GeminiAdapterOptions)}.{nameof(StreamIdleTimeoutSeconds)} must be between 1 and 3600.");
        }

        return failures;
    }
}
