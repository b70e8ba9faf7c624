namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// A streamed answer opened by <see cref="UpstreamTransport.OpenStreamAsync{TReader}"/>: its response, its event
/// reader, and the one cancellation source re-armed with the idle limit around every read. Disposing it closes the
/// connection.
/// </summary>
internal sealed class UpstreamStream<TReader> : IAsyncDisposable
    where TReader : IUpstreamEventReader
{
    private readonly UpstreamTransport _transport;
    private readonly UpstreamCall _call;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationToken _callerToken;

    internal UpstreamStream(
        UpstreamTransport transport,
        UpstreamCall call,
        HttpResponseMessage response,
        TReader events,
        CancellationTokenSource timeout,
        CancellationToken callerToken)
    {
        _transport = transport;
        _call = call;
        Response = response;
        Events = events;
        _timeout = timeout;
        _callerToken = callerToken;
    }

    /// <summary>The response, for its headers (a request id).</summary>
    public HttpResponseMessage Response { get; }

    /// <summary>The reader; its current event is valid after <see cref="ReadNextAsync"/> returned true.</summary>
    public TReader Events { get; }

    /// <summary>Reads the next event within the idle limit.</summary>
    /// <param name="answerComplete">
    /// The answer is already whole: should the upstream then fall silent without closing the body, the stream ends at
    /// the idle limit instead of failing.
    /// </param>
    /// <exception cref="UpstreamException">The upstream stalled, dropped the connection or sent a broken frame.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadNextAsync(bool answerComplete = false)
    {
        _timeout.CancelAfter(_call.Limits.StreamIdleTimeout);
        try
        {
            return await Events.ReadNextAsync(_timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (answerComplete && !_callerToken.IsCancellationRequested)
        {
            _transport.StalledAfterFinish(_call);
            return false;
        }
        catch (Exception ex) when (UpstreamTransport.IsTransportFailure(ex))
        {
            throw _transport.Translate(_call, ex, UpstreamPhase.Stream, _callerToken);
        }
        catch (UpstreamException)
        {
            // A reader throws one only for a frame it cannot trust (a failed checksum, an impossible length).
            _transport.CorruptFrame(_call);
            throw;
        }
        finally
        {
            _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Reads whatever follows the protocol's end of answer (normally just the end of the body), so that the connection
    /// goes back to the pool instead of being closed. The answer is complete: nothing here can fail the call.
    /// </summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        _timeout.CancelAfter(limit);
        try
        {
            while (await Events.ReadNextAsync(_timeout.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (UpstreamTransport.IsTransportFailure(ex) || ex is UpstreamException)
        {
            // The response is disposed next, which closes a connection left in an unknown state.
        }
        finally
        {
            _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Events.DisposeAsync().ConfigureAwait(false);
        Response.Dispose();
        _timeout.Dispose();
    }
}
