using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// A deliberately generous estimate of a prompt's tokens before the provider counts them: one token per four
/// characters (rounded up) plus four per message for the role framing. Only holds use it; charges use the provider's
/// own count.
/// </summary>
internal static class PromptTokenEstimate
{
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
