using AigneHub.Application.Models;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.Infrastructure.Providers.OpenAI;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// What a provider offers beyond chat, as documented by each vendor: which protocol serves its embeddings and its
/// image generation (null when it offers none), and the models the hub lists for it when nothing more specific is
/// configured. Data, like the chat <see cref="Configured.ProviderProfile"/>s, so a vendor adding an endpoint is a line here.
/// </summary>
/// <param name="KnownModels">The vendor's current models of note, for GET /v1/models; any other id still routes with the provider's prefix.</param>
internal sealed record MediaProfile(string Provider, string? EmbeddingProtocol, string? ImageProtocol, IReadOnlyList<KnownModel> KnownModels);

/// <param name="Id">The provider's own model id (no hub prefix).</param>
internal sealed record KnownModel(string Id, ModelKind Kind);

internal static class MediaProfiles
{
    private static readonly Dictionary<string, MediaProfile> ByProvider = new MediaProfile[]
    {
        new(ProviderNames.OpenAI, OpenAIEmbeddingAdapter.ProtocolName, OpenAIImageAdapter.ProtocolName,
        [
            Chat("gpt-4o"), Chat("gpt-4o-mini"), Chat("gpt-4.1"), Chat("gpt-4.1-mini"), Chat("o4-mini"),
            Embedding("text-embedding-3-small"), Embedding("text-embedding-3-large"), Embedding("text-embedding-ada-002"),
            Image("gpt-image-1"), Image("dall-e-3"), Image("dall-e-2"),
        ]),
        new(ProviderNames.Anthropic, null, null,
            [Chat("claude-opus-4-1"), Chat("claude-sonnet-4-5"), Chat("claude-3-5-haiku-latest")]),
        new(ProviderNames.Google, GeminiEmbeddingAdapter.ProtocolName, GeminiImagenAdapter.ProtocolName,
        [
            Chat("gemini-2.5-pro"), Chat("gemini-2.5-flash"), Chat("gemini-2.0-flash"),
            Embedding("gemini-embedding-001"), Embedding("text-embedding-004"),
            Image("imagen-4.0-generate-001"), Image("imagen-3.0-generate-002"), Image("gemini-2.5-flash-image"),
        ]),
        new(ProviderNames.Bedrock, BedrockTitanEmbeddingAdapter.ProtocolName, null,
        [
            Chat("anthropic.claude-3-5-haiku-20241022-v1:0"), Chat("amazon.nova-lite-v1:0"), Chat("amazon.nova-pro-v1:0"),
            Embedding("amazon.titan-embed-text-v2:0"),
        ]),
        new(ProviderNames.DeepSeek, null, null, [Chat("deepseek-chat"), Chat("deepseek-reasoner")]),

        // Ollama's own server: its models are whatever the operator pulled, so none are listed unless configured.
        new(ProviderNames.Ollama, OpenAIEmbeddingAdapter.ProtocolName, null, []),
        new(ProviderNames.OpenRouter, OpenAIEmbeddingAdapter.ProtocolName, null,
            [Chat("openai/gpt-4o-mini"), Chat("anthropic/claude-sonnet-4.5"), Embedding("openai/text-embedding-3-small")]),
        new(ProviderNames.XAI, null, OpenAIImageAdapter.ProtocolName, [Chat("grok-4"), Chat("grok-3-mini"), Image("grok-2-image")]),
        new(ProviderNames.Doubao, OpenAIEmbeddingAdapter.ProtocolName, OpenAIImageAdapter.ProtocolName,
        [
            Chat("doubao-seed-1-6-250615"), Chat("doubao-1-5-pro-32k-250115"),
            Embedding("doubao-embedding-text-240715"),
            Image("doubao-seedream-3-0-t2i-250415"),
        ]),
        new(ProviderNames.Poe, null, null, [Chat("GPT-4o"), Chat("Claude-Sonnet-4")]),
    }.ToDictionary(p => p.Provider, StringComparer.Ordinal);

    public static MediaProfile? Find(string provider) => ByProvider.GetValueOrDefault(provider);

    /// <summary>A model's kind by the provider's known models; a name it does not know is taken for a chat model.</summary>
    public static ModelKind KindOf(string provider, string model) =>
        Find(provider)?.KnownModels.FirstOrDefault(m => m.Id == model)?.Kind ?? ModelKind.Chat;

    private static KnownModel Chat(string id) => new(id, ModelKind.Chat);

    private static KnownModel Embedding(string id) => new(id, ModelKind.Embedding);

    private static KnownModel Image(string id) => new(id, ModelKind.Image);
}
