namespace AigneHub.TestUpstreams;

/// <summary>Token counts a fake upstream reports for an answer (OpenAI's usage object).</summary>
public sealed record FakeUsage(int PromptTokens, int CompletionTokens, int CachedTokens = 0);
