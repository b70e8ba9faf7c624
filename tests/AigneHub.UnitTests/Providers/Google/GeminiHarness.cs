using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Google;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>
/// The Gemini adapter as the hub registers it (<see cref="GeminiAdapterRegistration.AddGeminiAdapter"/>, real
/// SocketsHttpHandler), with a target pointed at a base URL and every log line captured.
/// </summary>
internal sealed class GeminiHarness : ChatAdapterHarness
{
    /// <summary>Shaped like a Google API key ("AIza" and 35 more), so scrubbing by pattern alone would also catch it.</summary>
    public const string ApiKey = "AIzaSyTestHubKey_Zq81bV3mN5kP0aR7wT2y";

    public const string CredentialId = "google-key-1";

    public const string Model = "gemini-2.5-flash";

    private GeminiHarness(Registration registration, ProviderTarget target)
        : base(registration, "google-gemini", target, Hello())
    {
    }

    /// <param name="handler">Replaces the real HTTP handler, for byte-level control of the response.</param>
    public static GeminiHarness Create(
        string baseUrl,
        int? timeoutSeconds = null,
        int? streamIdleTimeoutSeconds = null,
        TimeProvider? time = null,
        HttpMessageHandler? handler = null,
        string apiKey = ApiKey)
    {
        var registration = Register(
            (services, _) =>
            {
                services.AddGeminiAdapter();
                services.Configure<GeminiAdapterOptions>(options =>
                {
                    options.TimeoutSeconds = timeoutSeconds ?? options.TimeoutSeconds;
                    options.StreamIdleTimeoutSeconds = streamIdleTimeoutSeconds ?? options.StreamIdleTimeoutSeconds;
                });
            },
            GeminiAdapter.HttpClientName,
            handler: handler,
            time: time);
        return new GeminiHarness(registration, new ProviderTarget("google", new Uri(baseUrl), Region: null, ProviderCredential.ForApiKey(CredentialId, apiKey)));
    }

    public static ProviderChatRequest Hello(string model = Model) =>
        new(model, [new ChatMessage(ChatRole.User, "Hello there")], ChatSettings.Default);
}
