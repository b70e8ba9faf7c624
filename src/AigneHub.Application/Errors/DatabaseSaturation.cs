using System.Data.Common;

namespace AigneHub.Application.Errors;

/// <summary>
/// Recognises a database that is full or briefly out of reach rather than broken: PostgreSQL refusing a connection
/// ("too many clients", 53300), the process's connection pool staying exhausted for its wait timeout, a server
/// starting or shutting down, a serialization failure or deadlock. Npgsql marks all of these transient; Marten wraps
/// them, so the whole chain of inner exceptions is searched. Callers see 503 with Retry-After for these, never 500.
/// </summary>
public static class DatabaseSaturation
{
    /// <summary>How long a client should wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public const string Message = "The hub's database is at its connection limit just now; try again in a moment.";

    public static bool Matches(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException { IsTransient: true })
            {
                return true;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Any(Matches))
            {
                return true;
            }
        }

        return false;
    }
}
