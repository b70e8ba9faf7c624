using System.Collections.Concurrent;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>
/// The OpenAI Chat Completions adapter as the hub registers it (<see cref="OpenAIChatAdapterRegistration.AddOpenAIChatAdapter"/>,
/// real SocketsHttpHandler), with one target pointed at a base URL, and every log line captured.
/// </summary>
internal sealed class OpenAIAdapterHarness : IAsyncDisposable
{
    public const string ApiKey = "sk-test-hub-Zq81bV3mN5kP0aR7wT2yC6dE4";

    public const string CredentialId = "test:openai";

    private readonly ServiceProvider _services;

    private OpenAIAdapterHarness(ServiceProvider services, ProviderTarget target, CapturedLogs logs)
    {
        _services = services;
        Target = target;
        Logs = logs;
        Adapter = services.GetServices<IChatAdapter>().Single(a => a.Protocol == OpenAIChatAdapter.ProtocolName);
    }

    public IChatAdapter Adapter { get; }

    /// <summary>Where every call of <see cref="CompleteAsync"/> and <see cref="StreamAsync"/> goes.</summary>
    public ProviderTarget Target { get; }

    public CapturedLogs Logs { get; }

    /// <param name="settings">Configuration keys, e.g. "Providers:Http:TimeoutSeconds".</param>
    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    /// <param name="provider">The target's provider (its profile supplies the quirks).</param>
    /// <param name="apiKey">The target's key; null or empty for a call without one.</param>
    public static OpenAIAdapterHarness Create(
        string baseUrl,
        IReadOnlyDictionary<string, string?>? settings = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null,
        string provider = "openai",
        string? apiKey = ApiKey)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddOpenAIChatAdapter(configuration);
        if (handler is not null)
        {
            services.AddHttpClient(OpenAIChatAdapter.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        var target = new ProviderTarget(provider, new Uri(baseUrl), Region: null, ProviderCredential.ForApiKey(CredentialId, apiKey ?? string.Empty));
        return new OpenAIAdapterHarness(services.BuildServiceProvider(validateScopes: true), target, logs);
    }

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Adapter.CompleteAsync(Target, request, cancellationToken);

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Adapter.StreamAsync(Target, request, cancellationToken);

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>Every log line the adapter and its HTTP client wrote, with exceptions rendered in full.</summary>
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
