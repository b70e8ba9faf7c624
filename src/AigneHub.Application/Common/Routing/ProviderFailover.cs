using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Logging;

namespace AigneHub.Application.Common.Routing;

/// <summary>
/// Runs one unary call against the route's providers in order: a retryable upstream failure (rate limited,
/// unavailable, timeout, credential refused) moves on to the next provider; anything else, or the last provider's
/// failure, goes back to the caller. Exactly one call record is written, whatever the outcome, after
/// <c>settle</c> (when given) has captured or released the call's hold and priced the record.
/// </summary>
internal static partial class ProviderFailover
{
    public static async Task<TResult> RunAsync<TProvider, TResult>(
        ModelRoute<TProvider> route,
        Func<TProvider, string> nameOf,
        Func<TProvider, Task<TResult>> call,
        Func<TResult, CallRecord> succeeded,
        CallMeter meter,
        ICallRecorder recorder,
        ILogger logger,
        CancellationToken cancellationToken,
        Func<CallRecord, Task<CallRecord>>? settle = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var provider = route.Providers[attempt];
            meter.Attempt(nameOf(provider), route.Name.Model);
            try
            {
                var result = await call(provider);
                meter.FirstByte();
                var record = succeeded(result);
                recorder.Record(settle is null ? record : await settle(record));
                return result;
            }
            catch (UpstreamException ex) when (ex.IsRetryable && attempt + 1 < route.Providers.Count)
            {
                LogFailover(logger, nameOf(provider), ex.Kind, nameOf(route.Providers[attempt + 1]));
            }
            catch (Exception ex)
            {
                var record = meter.Failed(ex, default, cancellationToken);
                recorder.Record(settle is null ? record : await settle(record));
                throw;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed with {ErrorKind}; failing over to {NextProvider}")]
    private static partial void LogFailover(ILogger logger, string provider, ErrorKind errorKind, string nextProvider);
}
