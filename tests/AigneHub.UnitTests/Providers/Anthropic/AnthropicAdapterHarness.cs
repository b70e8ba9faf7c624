using System.Collections.Concurrent;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Anthropic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>
/// The Anthropic Messages adapter as the hub registers it (<see cref="AnthropicAdapterRegistration.AddAnthropicAdapter"/>,
/// real SocketsHttpHandler), with one target pointed at a base URL and every log line captured.
/// </summary>
internal sealed class AnthropicAdapterHarness : IAsyncDisposable
{
    public const string ApiKey = "sk-ant-api03-Zq81bV3mN5kP0aR7wT2yC6dE4fG8hJ1kL3";
    public const string CredentialId = "cred-anthropic-1";
    public const string Provider = "anthropic";

    private readonly ServiceProvider _services;

    private AnthropicAdapterHarness(ServiceProvider services, CapturedLogs logs, ProviderTarget target)
    {
        _services = services;
        Logs = logs;
        Target = target;
        Adapter = services.GetServices<IChatAdapter>().Single(a => a.Protocol == AnthropicMessagesAdapter.ProtocolName);
    }

    public IChatAdapter Adapter { get; }

    public ProviderTarget Target { get; }

    public CapturedLogs Logs { get; }

    /// <param name="settings">Keys under "Providers:Anthropic:Adapter" (e.g. "TimeoutSeconds").</param>
    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    public static AnthropicAdapterHarness Create(
        string baseUrl,
        IReadOnlyDictionary<string, string?>? settings = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null,
        string provider = Provider)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection((settings ?? new Dictionary<string, string?>()).ToDictionary(
                pair => AnthropicAdapterOptions.Section + ":" + pair.Key,
                pair => pair.Value))
            .Build();

        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddAnthropicAdapter();
        if (handler is not null)
        {
            services.AddHttpClient(AnthropicMessagesAdapter.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        var target = new ProviderTarget(provider, new Uri(baseUrl), null, ProviderCredential.ForApiKey(CredentialId, ApiKey));
        return new AnthropicAdapterHarness(services.BuildServiceProvider(validateScopes: true), logs, target);
    }

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken = default) =>
        Adapter.CompleteAsync(Target, request, cancellationToken);

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken = default) =>
        Adapter.StreamAsync(Target, request, cancellationToken);

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    public static ProviderChatRequest Hello(string model = "claude-sonnet-4-5") =>
        new(model, [new ChatMessage(ChatRole.User, "Hello there")], ChatSettings.Default);

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

/// <summary>Answers every request with a response the test builds, byte for byte, and keeps what was asked.</summary>
internal sealed class AnthropicStubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<Uri?> RequestUris { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        RequestUris.Add(request.RequestUri);
        var response = respond(request);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
