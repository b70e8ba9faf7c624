namespace AigneHub.Infrastructure.Providers.Http;

internal sealed partial class UpstreamTransport
{
    /// <summary>
    /// The log lines of every upstream call, whichever the provider: structured, naming the provider, model and
    /// credential id (never the secret, a prompt or an answer); upstream-chosen labels are scrubbed before they get here.
    /// </summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
            Message = "Provider {Provider} answered with {Model} (credential {CredentialId}): {PromptTokens} prompt and {CompletionTokens} completion tokens in {ElapsedMs:0} ms")]
        public static partial void Completed(ILogger logger, string provider, string model, string credentialId, int? promptTokens, int? completionTokens, double elapsedMs);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
            Message = "Provider {Provider} answered HTTP {Status} ({ErrorKind}, type {ErrorType}) for model {Model} (credential {CredentialId})")]
        public static partial void UpstreamFailed(ILogger logger, string provider, int status, ErrorKind errorKind, string? errorType, string model, string credentialId);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
            Message = "Provider {Provider} could not be reached for model {Model} (credential {CredentialId})")]
        public static partial void Unreachable(ILogger logger, string provider, string model, string credentialId, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
            Message = "Provider {Provider} lost the connection for model {Model} (credential {CredentialId})")]
        public static partial void ConnectionLost(ILogger logger, string provider, string model, string credentialId, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
            Message = "Provider {Provider} timed out for model {Model} (credential {CredentialId}) while waiting for the {Phase} (limit {LimitSeconds} s)")]
        public static partial void TimedOut(ILogger logger, string provider, string model, string credentialId, UpstreamPhase phase, double limitSeconds);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent a malformed answer for model {Model} ({Failure})")]
        public static partial void MalformedResponse(ILogger logger, string provider, string model, string failure);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
            Message = "Provider {Provider} ended the stream for model {Model} (credential {CredentialId}) before the answer was complete")]
        public static partial void StreamEndedEarly(ILogger logger, string provider, string model, string credentialId);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent an error in place of the answer for model {Model} (credential {CredentialId}): {ErrorKind}, type {ErrorType}")]
        public static partial void StreamError(ILogger logger, string provider, string model, string credentialId, ErrorKind errorKind, string? errorType);

        [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
            Message = "Provider {Provider} streamed model {Model} (credential {CredentialId}) without reporting usage; the call cannot be billed by tokens")]
        public static partial void StreamWithoutUsage(ILogger logger, string provider, string model, string credentialId);

        [LoggerMessage(EventId = 10, Level = LogLevel.Information,
            Message = "Provider {Provider} refused model {Model} (credential {CredentialId}) an answer: {ErrorKind}, reason {Reason}")]
        public static partial void Refused(ILogger logger, string provider, string model, string credentialId, ErrorKind errorKind, string? reason);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning,
            Message = "Provider {Provider} finished the answer for model {Model} (credential {CredentialId}) but kept the stream open for {LimitSeconds} s; it was closed")]
        public static partial void StalledAfterFinish(ILogger logger, string provider, string model, string credentialId, double limitSeconds);
    }
}
