namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// Which registered provider a bare model name ("gpt-4o-mini", no "provider/" prefix) is routed to, by the names each
/// vendor gives its own models. Aggregators (openrouter, poe), self-hosted servers (ollama) and bedrock serve only
/// prefixed names: their model ids say nothing about who should serve them. A prefixed name always reaches its provider.
/// </summary>
internal static class BareModelNames
{
    private static readonly Dictionary<string, string[]> Prefixes = new(StringComparer.Ordinal)
    {
        [ProviderNames.OpenAI] = ["gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "dall-e-", "gpt-image-"],
        [ProviderNames.Anthropic] = ["claude-"],
        [ProviderNames.Google] = ["gemini-", "text-embedding-0", "imagen-"],
        [ProviderNames.DeepSeek] = ["deepseek-"],
        [ProviderNames.XAI] = ["grok-"],
        [ProviderNames.Doubao] = ["doubao-"],
    };

    public static bool ServesBare(string provider, string model) =>
        Prefixes.TryGetValue(provider, out var prefixes) && prefixes.Any(p => model.StartsWith(p, StringComparison.OrdinalIgnoreCase));
}
