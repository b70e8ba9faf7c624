using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.TestUpstreams;
using AigneHub.UnitTests.Providers.Anthropic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>
/// The Bedrock Converse adapter as the hub registers it (real SocketsHttpHandler), pointed at a fake Bedrock that
/// verifies every signature, with every log line captured.
/// </summary>
internal sealed class BedrockAdapterHarness : IAsyncDisposable
{
    public const string CredentialId = "cred-bedrock-1";
    public const string Provider = "bedrock";
    public const string Model = "anthropic.claude-3-haiku-20240307-v1:0";

    private readonly ServiceProvider _services;

    private BedrockAdapterHarness(ServiceProvider services, AnthropicAdapterHarness.CapturedLogs logs, ProviderTarget target)
    {
        _services = services;
        Logs = logs;
        Target = target;
        Adapter = services.GetServices<IChatAdapter>().Single(a => a.Protocol == BedrockConverseAdapter.ProtocolName);
    }

    public IChatAdapter Adapter { get; }

    public ProviderTarget Target { get; }

    public AnthropicAdapterHarness.CapturedLogs Logs { get; }

    /// <param name="secretAccessKey">The secret the hub signs with; the fake's own by default.</param>
    public static BedrockAdapterHarness Create(
        FakeBedrockUpstream upstream,
        IReadOnlyDictionary<string, string?>? settings = null,
        string? secretAccessKey = null,
        string? region = FakeBedrockUpstream.DefaultRegion)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection((settings ?? new Dictionary<string, string?>()).ToDictionary(
                pair => BedrockAdapterOptions.Section + ":" + pair.Key,
                pair => pair.Value))
            .Build();

        var logs = new AnthropicAdapterHarness.CapturedLogs();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddBedrockAdapter();

        var credential = ProviderCredential.ForAccessKeyPair(CredentialId, upstream.AccessKeyId, secretAccessKey ?? upstream.SecretAccessKey);
        var target = new ProviderTarget(Provider, new Uri(upstream.BaseUrl), region, credential);
        return new BedrockAdapterHarness(services.BuildServiceProvider(validateScopes: true), logs, target);
    }

    public static ProviderChatRequest Hello(string text = "Hello there", ChatSettings? settings = null) =>
        new(Model, [new ChatMessage(ChatRole.User, text)], settings ?? ChatSettings.Default);

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken = default) =>
        Adapter.CompleteAsync(Target, request, cancellationToken);

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken = default) =>
        Adapter.StreamAsync(Target, request, cancellationToken);

    public async Task<List<ChatCompletionUpdate>> CollectAsync(ProviderChatRequest request, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatCompletionUpdate>();
        await foreach (var update in StreamAsync(request, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
