using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat;

/// <summary>
/// An estimate of a call's tokens for rate-limit admission, before the provider counts them: one token per four
/// characters (rounded up) plus four per message for the role framing. Rate-limit corrections use the provider's own
/// count. Credit holds do not use it: they need an upper bound, <see cref="PromptTokenBound"/>.
/// </summary>
internal static class PromptTokenEstimate
{
    /// <summary>What a chat answer is assumed to use when the caller sets no max_tokens (rate-limit admission only).</summary>
    public const int DefaultCompletionTokens = 256;

    /// <summary>A chat call's tokens for rate-limit admission: the prompt plus max_tokens (or the default), once per choice.</summary>
    public static int OfChatCall(IReadOnlyList<ChatMessage> messages, ChatSettings settings)
    {
        long perChoice = (long)Of(messages) + (settings.MaxTokens ?? DefaultCompletionTokens);
        return (int)Math.Min(perChoice * Math.Max(1, settings.N ?? 1), int.MaxValue);
    }

    public static int Of(IReadOnlyList<ChatMessage> messages)
    {
        long tokens = 0;
        foreach (var message in messages)
        {
            tokens += 4 + ((message.PlainText().Length + 3) / 4);
        }

        return (int)Math.Min(tokens, int.MaxValue);
    }

    /// <summary>Plain texts (embedding inputs, an image prompt): one token per four characters, rounded up, each.</summary>
    public static int Of(IEnumerable<string> texts)
    {
        long tokens = 0;
        foreach (var text in texts)
        {
            tokens += (text.Length + 3) / 4;
        }

        return (int)Math.Min(tokens, int.MaxValue);
    }
}
