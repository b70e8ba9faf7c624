using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.OpenAI;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>
/// The OpenAI Chat Completions adapter as the hub registers it (<see cref="OpenAIChatAdapterRegistration.AddOpenAIChatAdapter"/>,
/// real SocketsHttpHandler), with one target pointed at a base URL, and every log line captured.
/// </summary>
internal sealed class OpenAIAdapterHarness : ChatAdapterHarness
{
    public const string ApiKey = "sk-test-hub-Zq81bV3mN5kP0aR7wT2yC6dE4";

    public const string CredentialId = "test:openai";

    private OpenAIAdapterHarness(Registration registration, ProviderTarget target)
        : base(registration, OpenAIChatAdapter.ProtocolName, target, Requests.Hello())
    {
    }

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
        var registration = Register(
            (services, configuration) => services.AddOpenAIChatAdapter(configuration),
            OpenAIChatAdapter.HttpClientName,
            settings,
            handler,
            time);
        var target = new ProviderTarget(provider, new Uri(baseUrl), Region: null, ProviderCredential.ForApiKey(CredentialId, apiKey ?? string.Empty));
        return new OpenAIAdapterHarness(registration, target);
    }
}
