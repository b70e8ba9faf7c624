using AigneHub.Domain.Usage;

namespace AigneHub.Application.Chat.Common;

/// <summary>A complete (non-streamed) chat answer.</summary>
/// <param name="Model">The model that answered, as the hub names it ("provider/model").</param>
/// <param name="FinishReason">OpenAI's vocabulary: stop, length, tool_calls, content_filter.</param>
public sealed record ChatCompletion(
    string Id,
    DateTimeOffset Created,
    string Model,
    string? Content,
    string FinishReason,
    TokenUsage Usage,
    string? SystemFingerprint);

/// <summary>
/// One piece of a streamed answer. A stream carries role first, then content deltas, then one update with the
/// finish reason, and (when the provider reports it) one with the usage.
/// </summary>
public sealed record ChatCompletionUpdate(
    string Id,
    DateTimeOffset Created,
    string Model,
    string? Role,
    string? ContentDelta,
    string? FinishReason,
    TokenUsage? Usage,
    string? SystemFingerprint = null);
