using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers;

/// <summary>
/// One chat adapter as the hub registers it (a real SocketsHttpHandler unless a test replaces it), with one target
/// (a fake upstream or a stub), options from configuration, and every log line captured. Each provider's harness
/// derives from it and says only how its adapter is registered and what its target is.
/// </summary>
internal abstract class ChatAdapterHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ProviderChatRequest _hello;

    protected ChatAdapterHarness(Registration registration, string protocol, ProviderTarget target, ProviderChatRequest hello)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _services = registration.Services;
        Logs = registration.Logs;
        Target = target;
        _hello = hello;
        Adapter = _services.GetServices<IChatAdapter>().Single(a => a.Protocol == protocol);
    }

    public IChatAdapter Adapter { get; }

    /// <summary>Where every call of <see cref="CompleteAsync"/> and <see cref="StreamAsync"/> goes.</summary>
    public ProviderTarget Target { get; }

    public CapturedLogs Logs { get; }

    /// <param name="request">The provider's hello request when null.</param>
    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest? request = null, CancellationToken cancellationToken = default) =>
        Adapter.CompleteAsync(Target, request ?? _hello, cancellationToken);

    /// <param name="request">The provider's hello request when null.</param>
    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest? request = null, CancellationToken cancellationToken = default) =>
        Adapter.StreamAsync(Target, request ?? _hello, cancellationToken);

    /// <summary>Every update of a streamed call.</summary>
    public async Task<List<ChatCompletionUpdate>> CollectAsync(ProviderChatRequest? request = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatCompletionUpdate>();
        await foreach (var update in StreamAsync(request, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    /// <summary>The failure of a call; a streamed one must fail from its first MoveNextAsync (before any update).</summary>
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

    /// <summary>
    /// The services of one adapter: <paramref name="settings"/> as the configuration (also registered as
    /// <see cref="IConfiguration"/>), logging into <see cref="Registration.Logs"/>, <paramref name="time"/> when given,
    /// the adapter by <paramref name="register"/>, and <paramref name="handler"/> under the adapter's named HTTP client
    /// when given (byte-level control of the response).
    /// </summary>
    protected static Registration Register(
        Action<IServiceCollection, IConfiguration> register,
        string httpClientName,
        IReadOnlyDictionary<string, string?>? settings = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(register);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        register(services, configuration);
        if (handler is not null)
        {
            services.AddHttpClient(httpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        return new Registration(services.BuildServiceProvider(validateScopes: true), logs);
    }

    /// <summary>Settings under one configuration section: each key prefixed with "<paramref name="section"/>:".</summary>
    protected static Dictionary<string, string?> UnderSection(string section, IReadOnlyDictionary<string, string?>? settings) =>
        (settings ?? new Dictionary<string, string?>()).ToDictionary(pair => section + ":" + pair.Key, pair => pair.Value);

    protected sealed record Registration(ServiceProvider Services, CapturedLogs Logs);
}
