using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AigneHub.FunctionalTests;

/// <summary>One log entry as a hub wrote it: its level and category, and its text with every value, exception and scope.</summary>
public sealed record CapturedLogEntry(LogLevel Level, string Category, string Message, Exception? Exception, string Text)
{
    public override string ToString() => $"{Level} {Text}";
}

/// <summary>
/// A logger provider that keeps every entry a hub writes (register it with <c>services.AddSingleton&lt;ILoggerProvider&gt;</c>):
/// the category, the formatted message, every structured value, the exception with its stack trace and every scope.
/// The hub's own filters (Logging:LogLevel) still decide what reaches it.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLogEntry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Every entry as text, one after the other.</summary>
    public string Text() => string.Join('\n', _entries.Select(e => e.Text));

    /// <summary>The entries written from now on (<see cref="Entries"/> of the returned mark).</summary>
    public LogMark Mark() => new(this, _entries.Count);

    public void Dispose()
    {
    }

    /// <summary>A position in the capture: the entries written after it.</summary>
    public sealed class LogMark(LogCapture capture, int position)
    {
        public IReadOnlyList<CapturedLogEntry> Entries => [.. capture._entries.Skip(position)];
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var entry = new StringBuilder().Append(category).Append(": ").Append(message);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (name, value) in values)
                {
                    entry.Append(' ').Append(name).Append('=').Append(value);
                }
            }

            if (exception is not null)
            {
                entry.Append('\n').Append(exception);
            }

            owner._scopes.ForEachScope((scope, builder) => builder.Append(" scope=").Append(scope is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(",", pairs.Select(p => $"{p.Key}:{p.Value}")) : scope), entry);
            owner._entries.Enqueue(new CapturedLogEntry(logLevel, category, message, exception, entry.ToString()));
        }
    }
}
