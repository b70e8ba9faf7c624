namespace AigneHub.Domain.Models;

/// <summary>The providers the hub can route to. The set is fixed: each has its own wire-protocol adapter.</summary>
public static class ProviderNames
{
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";
    public const string Bedrock = "bedrock";
    public const string Google = "google";
    public const string DeepSeek = "deepseek";
    public const string Ollama = "ollama";
    public const string OpenRouter = "openrouter";
    public const string XAI = "xai";
    public const string Doubao = "doubao";
    public const string Poe = "poe";

    /// <summary>The built-in demo provider: deterministic echo answers, no account needed, never a real model.</summary>
    public const string Demo = "demo";

    // Case-insensitive: "OpenAI/gpt-4o" names the openai provider (ModelName takes the canonical spelling), as the model
    // allow-lists read it; a prefix the routing took for a bare name while an allow-list matched it as a provider let a
    // key limited to "openai/*" reach other providers.
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        OpenAI, Anthropic, Bedrock, Google, DeepSeek, Ollama, OpenRouter, XAI, Doubao, Poe, Demo,
    };

    public static IReadOnlyCollection<string> All => Known;

    /// <summary>Whether <paramref name="name"/> is a provider's name as the hub spells it (lower case).</summary>
    public static bool IsKnown(string name) => Known.TryGetValue(name, out var canonical) && string.Equals(canonical, name, StringComparison.Ordinal);

    /// <summary>The provider's canonical (lower-case) name when <paramref name="name"/> is one in any case.</summary>
    public static bool TryCanonical(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? canonical) =>
        Known.TryGetValue(name, out canonical);

    /// <summary>How people write a provider's name ("xAI", "Amazon Bedrock"): the default of a registration's display name.</summary>
    public static string DisplayNameOf(string provider) => provider switch
    {
        "openai" => "OpenAI",
        "anthropic" => "Anthropic",
        "bedrock" => "Amazon Bedrock",
        "google" => "Google Gemini",
        "deepseek" => "DeepSeek",
        "ollama" => "Ollama",
        "openrouter" => "OpenRouter",
        "xai" => "xAI",
        "doubao" => "Doubao",
        "poe" => "Poe",
        "demo" => "Demo (built in)",
        _ => provider,
    };
}
