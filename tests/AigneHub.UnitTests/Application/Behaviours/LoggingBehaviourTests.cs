using AigneHub.Application.Access;
using AigneHub.Application.Access.Commands.CreateUser;
using AigneHub.Application.Behaviours;
using AigneHub.Application.Errors;
using AigneHub.Application.Usage.Queries.ExportCalls;
using AigneHub.Domain.Access;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Application.Behaviours;

/// <summary>
/// What reaches the edges when a message fails, now that the outermost step both logs and translates: an unexpected
/// fault becomes InternalFault (so no internal message or stack trace leaves the hub), the hub's own errors and the
/// caller's cancellation pass as they are, and a cancellation the caller did not ask for is a fault.
/// </summary>
public sealed class LoggingBehaviourTests
{
    private static readonly CreateUserCommand Command = new(null, "Ada", null, UserRole.Member, null, "owner-1", UserRole.Owner);

    [Fact]
    public async Task An_unexpected_fault_reaches_the_edge_as_an_internal_fault_that_keeps_it_as_its_cause()
    {
        var fault = new InvalidOperationException("connection string Host=db;Password=secret");

        var error = await Assert.ThrowsAsync<InternalFaultException>(() => SendAsync(fault, CancellationToken.None));

        Assert.Same(fault, error.InnerException);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_an_internal_fault()
    {
        var error = await Assert.ThrowsAsync<InternalFaultException>(() => SendAsync(new OperationCanceledException(), CancellationToken.None));

        Assert.IsType<OperationCanceledException>(error.InnerException);
    }

    [Fact]
    public async Task The_callers_cancellation_and_the_hubs_own_errors_pass_as_they_are()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var cancellation = new OperationCanceledException(cancelled.Token);
        var conflict = new ConflictException("The user changed meanwhile.");

        Assert.Same(cancellation, await Assert.ThrowsAsync<OperationCanceledException>(() => SendAsync(cancellation, cancelled.Token)));
        Assert.Same(conflict, await Assert.ThrowsAsync<ConflictException>(() => SendAsync(conflict, CancellationToken.None)));
    }

    [Fact]
    public async Task A_stream_that_faults_unexpectedly_ends_with_an_internal_fault_and_one_the_caller_cancelled_with_its_cancellation()
    {
        var fault = new InvalidOperationException("internal detail");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var cancellation = new OperationCanceledException(cancelled.Token);

        var error = await Assert.ThrowsAsync<InternalFaultException>(() => DrainAsync(fault, CancellationToken.None));
        Assert.Same(fault, error.InnerException);
        Assert.Same(cancellation, await Assert.ThrowsAsync<OperationCanceledException>(() => DrainAsync(cancellation, cancelled.Token)));
    }

    private static async Task SendAsync(Exception thrown, CancellationToken cancellationToken)
    {
        var step = new LoggingBehaviour<CreateUserCommand, UserView>(NullLogger<LoggingBehaviour<CreateUserCommand, UserView>>.Instance);
        await step.Handle(Command, (_, _) => ValueTask.FromException<UserView>(thrown), cancellationToken);
    }

    private static async Task DrainAsync(Exception thrown, CancellationToken cancellationToken)
    {
        var step = new StreamLoggingBehaviour<ExportCallsQuery, CallRecord>(NullLogger<StreamLoggingBehaviour<ExportCallsQuery, CallRecord>>.Instance);
        await foreach (var _ in step.Handle(new ExportCallsQuery(null!), (_, _) => Throwing(thrown), cancellationToken))
        {
        }
    }

    private static async IAsyncEnumerable<CallRecord> Throwing(Exception thrown)
    {
        await Task.Yield();
        throw thrown;
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }
}
