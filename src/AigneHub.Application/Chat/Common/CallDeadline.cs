using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// One deadline over every attempt of a call. Its token is cancelled when the caller cancels or the deadline passes;
/// <see cref="Exceeded"/> tells the two apart so a passed deadline becomes a timeout error, not a client cancellation.
/// </summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _callerToken;
    private readonly TimeSpan _limit;

    private CallDeadline(TimeSpan limit, TimeProvider time, CancellationToken callerToken)
    {
        _limit = limit;
        _callerToken = callerToken;
        _timer = new CancellationTokenSource(limit, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    public static CallDeadline Start(TimeSpan limit, TimeProvider time, CancellationToken callerToken) => new(limit, time, callerToken);

    /// <summary>True when the deadline, not the caller, ended the call.</summary>
    public bool Exceeded(Exception exception) =>
        exception is OperationCanceledException && _timer.IsCancellationRequested && !_callerToken.IsCancellationRequested;

    public UpstreamException TimedOut(string provider) =>
        new(ErrorKind.UpstreamTimeout, provider, $"No provider answered within the call's deadline of {_limit.TotalSeconds:0} seconds.");

    /// <summary>Stops the clock: a stream that has started answering runs on without the deadline.</summary>
    public void Disarm() => _timer.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}
