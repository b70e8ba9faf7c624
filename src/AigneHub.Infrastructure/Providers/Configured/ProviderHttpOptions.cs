namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// HTTP limits shared by every provider adapter (section "Providers:Http"). See docs/configuration.md. Adapters enforce
/// these deadlines themselves, so that a timeout can be told apart from the caller giving up.
/// </summary>
public sealed class ProviderHttpOptions
{
    public const string Section = "Providers:Http";

    /// <summary>
    /// Where the two limits lived while OpenAI was the only provider. Still read, so existing deployments keep their
    /// limits, but only where the "Providers:Http" key is unset.
    /// </summary>
    public const string LegacySection = "Providers:OpenAI";

    public const int DefaultTimeoutSeconds = 100;

    public const int DefaultStreamIdleTimeoutSeconds = 60;

    /// <summary>Limit on a whole non-streamed call, and on the wait for response headers of a streamed one.</summary>
    public int TimeoutSeconds { get; set; } = DefaultTimeoutSeconds;

    /// <summary>Longest silence allowed between two reads of a streamed answer.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = DefaultStreamIdleTimeoutSeconds;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan StreamIdleTimeout => TimeSpan.FromSeconds(StreamIdleTimeoutSeconds);

    /// <summary>Every configuration problem, worded for an operator; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (TimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:{nameof(TimeoutSeconds)} must be between 1 and 3600.");
        }

        if (StreamIdleTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{Section}:{nameof(StreamIdleTimeoutSeconds)} must be between 1 and 3600.");
        }

        return failures;
    }
}
