using System.Diagnostics;

namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// What the <see cref="UpstreamTransport"/> needs to know of one call: which HTTP client to send it through, the limits
/// it runs under, and what its log lines and error messages name. Not a record: its generated ToString would print
/// the secret.
/// </summary>
/// <param name="clientName">The named HTTP client of the adapter (its handler set-up is shared, see <see cref="ProviderHttpRegistration"/>).</param>
/// <param name="model">The model as log lines name it.</param>
/// <param name="credentialId">The credential's id, which is not secret and names it in logs.</param>
/// <param name="secret">The credential's secret, masked wherever an upstream label quotes it; null for none.</param>
internal sealed class UpstreamCall(string clientName, string provider, string model, string credentialId, string? secret, UpstreamLimits limits)
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public string ClientName => clientName;

    /// <summary>The provider's name: every error message and log line says which provider failed.</summary>
    public string Provider => provider;

    public string Model => model;

    public string CredentialId => credentialId;

    public string? Secret => secret;

    public UpstreamLimits Limits => limits;

    public double ElapsedMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    /// <summary>An upstream-chosen label (an error type, code, status or reason) made fit for a log line.</summary>
    public string? Label(string? upstreamLabel) => UpstreamErrorText.Scrub(upstreamLabel, secret, maxLength: 64);

    /// <summary>A call of an embedding or image adapter, through the media client; <paramref name="model"/> is the provider's own id.</summary>
    public static UpstreamCall ForMedia(Application.Abstractions.ProviderTarget target, string model, UpstreamLimits limits)
    {
        ArgumentNullException.ThrowIfNull(target);
        var credential = target.Credential;
        return new UpstreamCall(UpstreamTransport.MediaClientName, target.Provider, model, credential.Id, credential.ApiKey ?? credential.SecretAccessKey, limits);
    }

    /// <summary>The caller-safe failure for a stream that ended before the answer was complete.</summary>
    public UpstreamException StreamEndedEarly() =>
        new(Domain.Usage.ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider's stream ended early.");
}

/// <summary>
/// What an adapter's error classifier makes of an error answer: the exception to throw and, for the log line only, the
/// upstream's own label for the error (its type or code), which the transport scrubs before writing.
/// </summary>
internal readonly record struct UpstreamFailure(UpstreamException Exception, string? ErrorType = null)
{
    public static implicit operator UpstreamFailure(UpstreamException exception) => new(exception);
}

/// <summary>Reads a streamed body one event at a time: server-sent events, or AWS's event-stream messages.</summary>
internal interface IUpstreamEventReader : IAsyncDisposable
{
    /// <summary>Reads the next whole event; false when the body ended cleanly between events.</summary>
    ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken);
}
