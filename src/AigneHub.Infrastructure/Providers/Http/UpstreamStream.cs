namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// A streamed answer opened by <see cref="UpstreamTransport.OpenStreamAsync{TReader}"/>: its response, its event
/// reader, and the one cancellation source re-armed with the idle limit around every read. Disposing it closes the
/// connection.
/// </summary>
internal sealed class UpstreamStream<TReader>(
    UpstreamTransport transport,
    UpstreamCall call,
    HttpResponseMessage response,
    TReader events,
    CancellationTokenSource timeout,
    CancellationToken callerToken) : IAsyncDisposable
    where TReader : IUpstreamEventReader
{
    /// <summary>The response, for its headers (a request id).</summary>
    public HttpResponseMessage Response { get; } = response;

    /// <summary>The reader; its current event is valid after <see cref="ReadNextAsync"/> returned true.</summary>
    public TReader Events { get; } = events;

    /// <summary>Reads the next event within the idle limit.</summary>
    /// <param name="answerComplete">
    /// The answer is already whole: should the upstream then fall silent without closing the body, the stream ends at
    /// the idle limit instead of failing.
    /// </param>
    /// <exception cref="UpstreamException">The upstream stalled, dropped the connection or sent a broken frame.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadNextAsync(bool answerComplete = false)
    {
        timeout.CancelAfter(call.Limits.StreamIdleTimeout);
        try
        {
            return await Events.ReadNextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (answerComplete && !callerToken.IsCancellationRequested)
        {
            transport.StalledAfterFinish(call);
            return false;
        }
        catch (Exception ex) when (UpstreamTransport.IsTransportFailure(ex))
        {
            throw transport.Translate(call, ex, UpstreamPhase.Stream, callerToken);
        }
        catch (UpstreamException)
        {
            // A reader throws one only for a frame it cannot trust (a failed checksum, an impossible length).
            transport.CorruptFrame(call);
            throw;
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Reads whatever follows the protocol's end of answer (normally just the end of the body), so that the connection
    /// goes back to the pool instead of being closed. The answer is complete: nothing here can fail the call.
    /// </summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        timeout.CancelAfter(limit);
        try
        {
            while (await Events.ReadNextAsync(timeout.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (UpstreamTransport.IsTransportFailure(ex) || ex is UpstreamException)
        {
            // The response is disposed next, which closes a connection left in an unknown state.
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Events.DisposeAsync().ConfigureAwait(false);
        Response.Dispose();
        timeout.Dispose();
    }
}
