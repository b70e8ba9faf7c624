namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// The providers that speak OpenAI's Chat Completions protocol, each with its documented API root and quirks. Every
/// default base URL is the root that "/chat/completions" is appended to.
/// </summary>
internal static class OpenAICompatibleProfiles
{
    /// <summary>
    /// OpenAI deprecated <c>max_tokens</c> for <c>max_completion_tokens</c>, which every chat model accepts and its
    /// reasoning models (o1, o3, o4-mini, gpt-5) require; the hub sends it on every credits-mode call.
    /// </summary>
    public static ProviderProfile OpenAI { get; } = new(ProviderNames.OpenAI, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://api.openai.com/v1"),
        SendsMaxCompletionTokens = true,
    };

    /// <summary>
    /// DeepSeek's root has no "/v1" (it accepts one, for OpenAI SDKs, but it names no API version). It reports prompt
    /// cache hits as <c>usage.prompt_cache_hit_tokens</c> (prompt_tokens = hit + miss).
    /// </summary>
    public static ProviderProfile DeepSeek { get; } = new(ProviderNames.DeepSeek, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://api.deepseek.com"),
        UsageAliases = new UsageFieldAliases(CachedPromptTokens: "prompt_cache_hit_tokens"),
    };

    /// <summary>OpenRouter's optional app-attribution headers come from configuration (<see cref="OpenRouterAttributionOptions"/>).</summary>
    public static ProviderProfile OpenRouter { get; } = new(ProviderNames.OpenRouter, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://openrouter.ai/api/v1"),
    };

    public static ProviderProfile XAI { get; } = new(ProviderNames.XAI, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://api.x.ai/v1"),
    };

    /// <summary>Volcengine Ark (the cn-beijing region), which serves the Doubao models.</summary>
    public static ProviderProfile Doubao { get; } = new(ProviderNames.Doubao, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://ark.cn-beijing.volces.com/api/v3"),
    };

    public static ProviderProfile Poe { get; } = new(ProviderNames.Poe, OpenAIChatAdapter.ProtocolName)
    {
        DefaultBaseUrl = new Uri("https://api.poe.com/v1"),
    };

    /// <summary>
    /// Ollama's OpenAI-compatible "/v1": a server of the operator's own, so no default root (typically
    /// http://127.0.0.1:11434/v1). A local server ignores keys; a key is sent only when one is configured.
    /// </summary>
    public static ProviderProfile Ollama { get; } = new(ProviderNames.Ollama, OpenAIChatAdapter.ProtocolName)
    {
        RequiresApiKey = false,
    };

    public static IReadOnlyList<ProviderProfile> All { get; } = [OpenAI, DeepSeek, OpenRouter, XAI, Doubao, Poe, Ollama];
}
