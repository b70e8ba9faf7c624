namespace AigneHub.Application.Caching;

/// <summary>
/// Streams a stored answer the way providers stream: per choice its role, the content in pieces of a few words, each
/// tool call, the finish reason; then the usage.
/// </summary>
internal static class ChatAnswerReplay
{
    /// <summary>About the size of a few words: what a provider's content deltas carry.</summary>
    private const int PieceLength = 24;

    public static IEnumerable<ChatCompletionUpdate> Updates(ChatCompletion answer)
    {
        foreach (var choice in answer.Choices)
        {
            yield return Update(answer, choice.Index) with { Role = "assistant" };
            foreach (var piece in Pieces(choice.Content ?? string.Empty))
            {
                yield return Update(answer, choice.Index) with { ContentDelta = piece };
            }

            var calls = choice.ToolCalls ?? [];
            for (var index = 0; index < calls.Count; index++)
            {
                var call = calls[index];
                yield return Update(answer, choice.Index) with { ToolCallDeltas = [new ToolCallDelta(index, call.Id, call.Name, call.Arguments)] };
            }

            yield return Update(answer, choice.Index) with { FinishReason = choice.FinishReason };
        }

        yield return Update(answer, 0) with { Usage = answer.Usage };
    }

    private static ChatCompletionUpdate Update(ChatCompletion answer, int choice) =>
        new(answer.Id, answer.Created, answer.Model, null, null, null, null, answer.SystemFingerprint) { ChoiceIndex = choice };

    /// <summary>Pieces of about <see cref="PieceLength"/> characters, cut after a space where there is one, never inside a surrogate pair.</summary>
    private static IEnumerable<string> Pieces(string content)
    {
        var start = 0;
        while (start < content.Length)
        {
            var end = Math.Min(content.Length, start + PieceLength);
            if (end < content.Length)
            {
                var space = content.LastIndexOf(' ', end - 1, end - start);
                end = space > start ? space + 1 : end;
                if (char.IsHighSurrogate(content[end - 1]))
                {
                    end++;
                }
            }

            yield return content[start..end];
            start = end;
        }
    }
}
