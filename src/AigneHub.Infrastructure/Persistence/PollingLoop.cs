namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// The loop behind the database snapshots an instance keeps in memory (access keys, registered providers, teams, spend
/// budgets) and its periodic clean-ups: wait an interval, run the step, and when the step fails with an exception the
/// caller <paramref name="handles"/>, log it and try again at the next tick, the last good snapshot still serving.
/// It ends when <c>stopping</c> is cancelled, or with the first exception the caller does not handle.
/// </summary>
internal static class PollingLoop
{
    /// <param name="handles">The failures the loop lives through; null: every one.</param>
    public static async Task RunAsync(
        TimeSpan interval,
        TimeProvider time,
        Func<CancellationToken, Task> step,
        Action<Exception> failed,
        Func<Exception, bool>? handles,
        CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stopping);
                await step(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (handles is null || handles(ex))
            {
                failed(ex);
            }
        }
    }
}
