using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Anthropic;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>
/// The Anthropic Messages adapter as the hub registers it (<see cref="AnthropicAdapterRegistration.AddAnthropicAdapter"/>,
/// real SocketsHttpHandler), with one target pointed at a base URL and every log line captured.
/// </summary>
internal sealed class AnthropicAdapterHarness : ChatAdapterHarness
{
    public const string ApiKey = "sk-ant-api03-Zq81bV3mN5kP0aR7wT2yC6dE4fG8hJ1kL3";
    public const string CredentialId = "cred-anthropic-1";
    public const string Provider = "anthropic";

    private AnthropicAdapterHarness(Registration registration, ProviderTarget target)
        : base(registration, AnthropicMessagesAdapter.ProtocolName, target, Hello())
    {
    }

    /// <param name="settings">Keys under "Providers:Anthropic:Adapter" (e.g. "TimeoutSeconds").</param>
    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    public static AnthropicAdapterHarness Create(
        string baseUrl,
        IReadOnlyDictionary<string, string?>? settings = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null,
        string provider = Provider)
    {
        var registration = Register(
            (services, _) => services.AddAnthropicAdapter(),
            AnthropicMessagesAdapter.HttpClientName,
            UnderSection(AnthropicAdapterOptions.Section, settings),
            handler,
            time);
        return new AnthropicAdapterHarness(registration, new ProviderTarget(provider, new Uri(baseUrl), null, ProviderCredential.ForApiKey(CredentialId, ApiKey)));
    }

    public static ProviderChatRequest Hello(string model = "claude-sonnet-4-5") =>
        new(model, [new ChatMessage(ChatRole.User, "Hello there")], ChatSettings.Default);
}
