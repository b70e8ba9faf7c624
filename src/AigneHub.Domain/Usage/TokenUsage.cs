namespace AigneHub.Domain.Usage;

/// <summary>Tokens a call consumed as the provider reported them (or, for the demo provider, counted them).</summary>
public readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
