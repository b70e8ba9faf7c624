using System.Collections.Concurrent;
using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>
/// The OpenAI provider as the hub registers it (<see cref="OpenAIProviderRegistration.AddOpenAIProvider"/>, real
/// SocketsHttpHandler), pointed at a base URL, with every log line captured.
/// </summary>
internal sealed class OpenAIProviderHarness : IAsyncDisposable
{
    public const string ApiKey = "sk-test-hub-Zq81bV3mN5kP0aR7wT2yC6dE4";

    private readonly ServiceProvider _services;

    private OpenAIProviderHarness(ServiceProvider services, CapturedLogs logs)
    {
        _services = services;
        Logs = logs;
        Provider = services.GetRequiredService<IChatProvider>();
    }

    public IChatProvider Provider { get; }

    public CapturedLogs Logs { get; }

    /// <param name="settings">Extra keys under "Providers:OpenAI" (e.g. "TimeoutSeconds").</param>
    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    public static OpenAIProviderHarness Create(
        string baseUrl,
        IReadOnlyDictionary<string, string?>? settings = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Settings(baseUrl, settings))
            .Build();

        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddOpenAIProvider(configuration);
        if (handler is not null)
        {
            services.AddHttpClient(OpenAIChatProvider.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        return new OpenAIProviderHarness(services.BuildServiceProvider(validateScopes: true), logs);
    }

    public static Dictionary<string, string?> Settings(string baseUrl, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:OpenAI:BaseUrl"] = baseUrl,
            ["Providers:OpenAI:ApiKey"] = ApiKey,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings["Providers:OpenAI:" + key] = value;
        }

        return settings;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>Every log line the provider and its HTTP client wrote, with exceptions rendered in full.</summary>
    internal sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => _lines.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
