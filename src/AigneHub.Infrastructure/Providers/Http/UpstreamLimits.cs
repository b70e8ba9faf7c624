namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// How long the <see cref="UpstreamTransport"/> waits for one upstream: the shared limits ("Providers:Http") and each
/// protocol's own section, which starts from the shared values and overrides what it sets. The fields and their checks
/// are written here once.
/// </summary>
public abstract class UpstreamLimits
{
    public const int DefaultTimeoutSeconds = 100;

    public const int DefaultStreamIdleTimeoutSeconds = 60;

    /// <summary>Limit on a whole non-streamed call, and on the wait for response headers of a streamed one.</summary>
    public int TimeoutSeconds { get; set; } = DefaultTimeoutSeconds;

    /// <summary>Longest silence allowed between two reads of a streamed answer.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = DefaultStreamIdleTimeoutSeconds;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan StreamIdleTimeout => TimeSpan.FromSeconds(StreamIdleTimeoutSeconds);

    /// <summary>Every configuration problem, worded for an operator; empty when the options can be used.</summary>
    public virtual IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        ValidateLimits(failures);
        return failures;
    }

    /// <summary>How a key is named in a failure: "Providers:Http:" or the protocol's section and its separator.</summary>
    protected abstract string KeyPrefix { get; }

    protected void ValidateLimits(List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (TimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{KeyPrefix}{nameof(TimeoutSeconds)} must be between 1 and 3600.");
        }

        if (StreamIdleTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{KeyPrefix}{nameof(StreamIdleTimeoutSeconds)} must be between 1 and 3600.");
        }
    }

    /// <summary>Takes the shared limits, before a protocol's own section is bound over them.</summary>
    internal void Inherit(UpstreamLimits shared)
    {
        TimeoutSeconds = shared.TimeoutSeconds;
        StreamIdleTimeoutSeconds = shared.StreamIdleTimeoutSeconds;
    }
}

/// <summary>Start-up validation of any options holding <see cref="UpstreamLimits"/>, reporting every problem at once.</summary>
internal sealed class UpstreamLimitsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : UpstreamLimits
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
