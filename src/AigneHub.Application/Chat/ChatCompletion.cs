using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat;

/// <summary>
/// A complete (non-streamed) chat answer. A provider answers one choice, held in <see cref="Content"/>,
/// <see cref="FinishReason"/> and <see cref="ToolCalls"/>; a call that asked for several (OpenAI's <c>n</c>) carries
/// the others in <see cref="OtherChoices"/>, and <see cref="Choices"/> lists them all in index order.
/// </summary>
/// <param name="Model">The model that answered, as the hub names it ("provider/model").</param>
/// <param name="FinishReason">OpenAI's vocabulary: stop, length, tool_calls, content_filter.</param>
/// <param name="ToolCalls">The function calls the model asked for, in order; null when none.</param>
/// <param name="CreditsCharged">What the call cost the caller's credit account (credits mode); null when nothing was charged.</param>
/// <param name="CreditPrefix">The currency prefix of those credits ("$", "€", "¥"); null when none is set.</param>
public sealed record ChatCompletion(
    string Id,
    DateTimeOffset Created,
    string Model,
    string? Content,
    string FinishReason,
    TokenUsage Usage,
    string? SystemFingerprint,
    IReadOnlyList<ToolCall>? ToolCalls = null,
    decimal? CreditsCharged = null,
    string? CreditPrefix = null)
{
    /// <summary>The first choice's log probabilities as the provider wrote them (JSON); null unless the call asked for them.</summary>
    public string? LogprobsJson { get; init; }

    /// <summary>Choices 1, 2, … of a call that asked for several; null for a single-choice answer.</summary>
    public IReadOnlyList<ChatChoice>? OtherChoices { get; init; }

    /// <summary>Every choice in index order: the first from this answer's own fields, then <see cref="OtherChoices"/>.</summary>
    public IEnumerable<ChatChoice> Choices
    {
        get
        {
            yield return new ChatChoice(0, Content, FinishReason, ToolCalls, LogprobsJson);
            if (OtherChoices is { } others)
            {
                foreach (var choice in others)
                {
                    yield return choice;
                }
            }
        }
    }
}

/// <summary>One of the answers a chat call asked for.</summary>
/// <param name="Index">Its position among the call's choices (0, 1, …).</param>
/// <param name="LogprobsJson">The choice's log probabilities as the provider wrote them (JSON); null when not asked for.</param>
public sealed record ChatChoice(int Index, string? Content, string FinishReason, IReadOnlyList<ToolCall>? ToolCalls, string? LogprobsJson = null);

/// <summary>
/// One piece of a streamed answer. A stream carries role first, then content and tool-call deltas, then one update
/// with the finish reason, and (when the provider reports it) one with the usage.
/// </summary>
public sealed record ChatCompletionUpdate(
    string Id,
    DateTimeOffset Created,
    string Model,
    string? Role,
    string? ContentDelta,
    string? FinishReason,
    TokenUsage? Usage,
    string? SystemFingerprint = null,
    IReadOnlyList<ToolCallDelta>? ToolCallDeltas = null,
    decimal? CreditsCharged = null,
    string? CreditPrefix = null)
{
    /// <summary>Which of the call's choices this piece belongs to (OpenAI's <c>choices[].index</c>); 0 unless <c>n</c> &gt; 1.</summary>
    public int ChoiceIndex { get; init; }

    /// <summary>The log probabilities of this piece's tokens as the provider wrote them (JSON); null when not asked for.</summary>
    public string? LogprobsJson { get; init; }

    /// <summary>The receipt that ends a charged stream when it was asked for: the credits charged and nothing else.</summary>
    public bool IsReceipt => CreditsCharged is not null && ContentDelta is null && FinishReason is null && Usage is null && ToolCallDeltas is null;
}

/// <summary>
/// A piece of a streamed function call, as OpenAI streams them: the first piece of a call carries its index, id and
/// name; later pieces carry the same index and the next fragment of the arguments. Concatenating the fragments of one
/// index in order gives the call's arguments.
/// </summary>
/// <param name="Index">The call's position among the answer's calls (0, 1, …).</param>
public sealed record ToolCallDelta(int Index, string? Id, string? Name, string? ArgumentsDelta);
