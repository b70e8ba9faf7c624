using JasperFx;

namespace AigneHub.Application.EventSourcing;

/// <summary>
/// The one way an event stream is written: fetch it for writing, check the version the caller last read (when they
/// name one), decide on the state, append what the decision returns, save once. A broken domain rule becomes the hub's
/// error (<see cref="DomainRules"/>); a stale version or a concurrent writer becomes <see cref="ConflictException"/>
/// (409 / ABORTED); a second start of an existing stream too.
/// </summary>
internal static class EventStreams
{
    /// <summary>Changes a stream that must exist; returns its state afterwards (as it was when nothing was decided).</summary>
    /// <param name="expectedVersion">The version the caller last read; null only for commands that are safe on any version.</param>
    public static async Task<T> ChangeAsync<T>(
        IDocumentStore store, StreamSubject subject, long? expectedVersion, Func<T, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
        where T : class =>
        await WriteAsync<T>(store, subject, expectedVersion, Sync<T>(current => decide(current!)), mustExist: true, attempts: 1, cancellationToken)
        ?? throw subject.Missing();

    /// <summary>
    /// Changes a stream that must exist with a decision that reads more of the store first (in the writing session,
    /// after the stream was fetched, so the version check covers what it read) and that may also append to other
    /// streams in the same commit (<see cref="StreamChange.Elsewhere"/>: a member leaving a team revokes their team keys).
    /// </summary>
    public static async Task<T> ChangeAsync<T>(
        IDocumentStore store, StreamSubject subject, long? expectedVersion, Func<T, IQuerySession, Task<StreamChange>> decide, CancellationToken cancellationToken)
        where T : class =>
        await WriteAsync<T>(store, subject, expectedVersion, (current, session) => decide(current!, session), mustExist: true, attempts: 1, cancellationToken)
        ?? throw subject.Missing();

    /// <summary>
    /// Changes a stream that may not exist yet (the decision gets null); returns its state afterwards, null when it
    /// still has none.
    /// </summary>
    public static Task<T?> ChangeOrStartAsync<T>(
        IDocumentStore store, StreamSubject subject, long? expectedVersion, Func<T?, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
        where T : class =>
        WriteAsync(store, subject, expectedVersion, Sync(decide), mustExist: false, attempts: 1, cancellationToken);

    /// <summary>
    /// Appends what the hub observed (a check and what follows from it) to the stream as it is now: the caller saw no
    /// version to expect, so a concurrent writer only means deciding again on the newer state.
    /// </summary>
    public static async Task<T> ObserveAsync<T>(
        IDocumentStore store, StreamSubject subject, Func<T, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
        where T : class =>
        await WriteAsync<T>(store, subject, expectedVersion: null, Sync<T>(current => decide(current!)), mustExist: true, attempts: 5, cancellationToken)
        ?? throw subject.Missing();

    /// <summary>Starts the stream with what <paramref name="decide"/> returns; a stream that already exists is a conflict.</summary>
    public static async Task<T> StartAsync<T>(
        IDocumentStore store, StreamSubject subject, Func<IReadOnlyList<object>> decide, CancellationToken cancellationToken)
        where T : class
    {
        var events = DomainRules.Run(decide);
        await using (var session = store.LightweightSession())
        {
            try
            {
                session.Events.StartStream<T>(subject.Id, events.ToArray());
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
            {
                throw new ConflictException(subject.AlreadyExists);
            }
        }

        return await LoadAsync<T>(store, subject.Id, cancellationToken) ?? throw subject.Missing();
    }

    public static async Task<T?> LoadAsync<T>(IDocumentStore store, string streamId, CancellationToken cancellationToken)
        where T : class
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<T>(streamId, cancellationToken);
    }

    private static Func<T?, IQuerySession, Task<StreamChange>> Sync<T>(Func<T?, IReadOnlyList<object>> decide)
        where T : class =>
        (current, _) => Task.FromResult(new StreamChange(decide(current)));

    private static async Task<T?> WriteAsync<T>(
        IDocumentStore store, StreamSubject subject, long? expectedVersion, Func<T?, IQuerySession, Task<StreamChange>> decide, bool mustExist,
        int attempts, CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            try
            {
                var stream = await session.Events.FetchForWriting<T>(subject.Id, cancellationToken);
                if (mustExist && stream.Aggregate is null)
                {
                    throw subject.Missing();
                }

                var version = stream.CurrentVersion ?? 0;
                if (expectedVersion is { } expected && version != expected)
                {
                    throw new ConflictException(subject.Stale(version, expected));
                }

                StreamChange change;
                try
                {
                    change = await decide(stream.Aggregate, session);
                }
                catch (Domain.DomainRuleException ex)
                {
                    throw DomainRules.Translate(ex);
                }

                if (change.Events.Count == 0 && change.Elsewhere.Count == 0)
                {
                    return stream.Aggregate;
                }

                stream.AppendMany(change.Events);
                foreach (var (streamId, e) in change.Elsewhere)
                {
                    session.Events.Append(streamId, e);
                }

                await session.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (ConcurrencyException) when (attempt < attempts)
            {
                // Someone else wrote to the stream meanwhile: decide again on what they wrote.
            }
            catch (ConcurrencyException)
            {
                throw new ConflictException(attempts > 1 ? subject.KeptChanging : subject.Raced);
            }
        }

        return await LoadAsync<T>(store, subject.Id, cancellationToken);
    }
}

/// <summary>What a decision appends: to its own stream, and to other streams in the same commit.</summary>
internal sealed record StreamChange(IReadOnlyList<object> Events, IReadOnlyList<(string StreamId, object Event)> Elsewhere)
{
    public StreamChange(IReadOnlyList<object> events)
        : this(events, [])
    {
    }
}
