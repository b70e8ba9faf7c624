using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>
/// The Bedrock Converse adapter as the hub registers it (real SocketsHttpHandler), pointed at a fake Bedrock that
/// verifies every signature, with every log line captured.
/// </summary>
internal sealed class BedrockAdapterHarness : ChatAdapterHarness
{
    public const string CredentialId = "cred-bedrock-1";
    public const string Provider = "bedrock";
    public const string Model = "anthropic.claude-3-haiku-20240307-v1:0";

    private BedrockAdapterHarness(Registration registration, ProviderTarget target)
        : base(registration, BedrockConverseAdapter.ProtocolName, target, Hello())
    {
    }

    /// <param name="secretAccessKey">The secret the hub signs with; the fake's own by default.</param>
    public static BedrockAdapterHarness Create(
        FakeBedrockUpstream upstream,
        IReadOnlyDictionary<string, string?>? settings = null,
        string? secretAccessKey = null,
        string? region = FakeBedrockUpstream.DefaultRegion)
    {
        var registration = Register(
            (services, _) => services.AddBedrockAdapter(),
            BedrockConverseAdapter.HttpClientName,
            UnderSection(BedrockAdapterOptions.Section, settings));
        var credential = ProviderCredential.ForAccessKeyPair(CredentialId, upstream.AccessKeyId, secretAccessKey ?? upstream.SecretAccessKey);
        return new BedrockAdapterHarness(registration, new ProviderTarget(Provider, new Uri(upstream.BaseUrl), region, credential));
    }

    public static ProviderChatRequest Hello(string text = "Hello there", ChatSettings? settings = null) =>
        new(Model, [new ChatMessage(ChatRole.User, text)], settings ?? ChatSettings.Default);
}
