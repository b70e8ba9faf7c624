using System.Collections.Concurrent;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Google;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>
/// The Gemini adapter as the hub registers it (<see cref="GeminiAdapterRegistration.AddGeminiAdapter"/>, real
/// SocketsHttpHandler), with a target pointed at a base URL and every log line captured.
/// </summary>
internal sealed class GeminiHarness : IAsyncDisposable
{
    /// <summary>Shaped like a Google API key ("AIza" and 35 more), so scrubbing by pattern alone would also catch it.</summary>
    public const string ApiKey = "AIzaSyTestHubKey_Zq81bV3mN5kP0aR7wT2y";

    public const string CredentialId = "google-key-1";

    public const string Model = "gemini-2.5-flash";

    private readonly ServiceProvider _services;

    private GeminiHarness(ServiceProvider services, CapturedLogs logs, ProviderTarget target)
    {
        _services = services;
        Logs = logs;
        Target = target;
        Adapter = services.GetServices<IChatAdapter>().Single(a => a.Protocol == "google-gemini");
    }

    public IChatAdapter Adapter { get; }

    public ProviderTarget Target { get; }

    public CapturedLogs Logs { get; }

    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    public static GeminiHarness Create(
        string baseUrl,
        int? timeoutSeconds = null,
        int? streamIdleTimeoutSeconds = null,
        TimeProvider? time = null,
        HttpMessageHandler? handler = null,
        string apiKey = ApiKey)
    {
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddGeminiAdapter();
        services.Configure<GeminiAdapterOptions>(options =>
        {
            options.TimeoutSeconds = timeoutSeconds ?? options.TimeoutSeconds;
            options.StreamIdleTimeoutSeconds = streamIdleTimeoutSeconds ?? options.StreamIdleTimeoutSeconds;
        });
        if (handler is not null)
        {
            services.AddHttpClient(GeminiAdapter.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        var target = new ProviderTarget("google", new Uri(baseUrl), Region: null, ProviderCredential.ForApiKey(CredentialId, apiKey));
        return new GeminiHarness(services.BuildServiceProvider(validateScopes: true), logs, target);
    }

    public static ProviderChatRequest Hello(string model = Model) =>
        new(model, [new ChatMessage(ChatRole.User, "Hello there")], ChatSettings.Default);

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest? request = null, CancellationToken cancellationToken = default) =>
        Adapter.CompleteAsync(Target, request ?? Hello(), cancellationToken);

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest? request = null, CancellationToken cancellationToken = default) =>
        Adapter.StreamAsync(Target, request ?? Hello(), cancellationToken);

    /// <summary>The failure of a call; a streamed one must fail from its first MoveNextAsync.</summary>
    public async Task<UpstreamException> FailureAsync(bool stream, ProviderChatRequest? request = null)
    {
        if (stream)
        {
            await using var updates = StreamAsync(request).GetAsyncEnumerator();
            return await Assert.ThrowsAsync<UpstreamException>(async () => await updates.MoveNextAsync());
        }

        return await Assert.ThrowsAsync<UpstreamException>(() => CompleteAsync(request));
    }

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

    /// <summary>Answers every request with a response the test builds, byte for byte.</summary>
    internal sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = respond(request);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }
}
