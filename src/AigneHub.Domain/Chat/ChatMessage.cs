namespace AigneHub.Domain.Chat;

/// <summary>
/// One message of a conversation. Content is either plain text or a list of parts (never both); an assistant
/// message that only carried tool calls may have neither. An assistant message may carry the tool calls the model
/// asked for; a tool message answers one of them by its id.
/// </summary>
public sealed record ChatMessage
{
    public ChatMessage(ChatRole role, string? text, IReadOnlyList<ContentPart>? parts = null, string? name = null, string? toolCallId = null, IReadOnlyList<ToolCall>? toolCalls = null)
    {
        if (text is not null && parts is not null)
        {
            throw new ArgumentException("A message has either text or parts, not both.", nameof(parts));
        }

        Role = role;
        Text = text;
        Parts = parts;
        Name = name;
        ToolCallId = toolCallId;
        ToolCalls = toolCalls is { Count: > 0 } ? toolCalls : null;
    }

    public ChatRole Role { get; }

    public string? Text { get; }

    public IReadOnlyList<ContentPart>? Parts { get; }

    public string? Name { get; }

    public string? ToolCallId { get; }

    /// <summary>The calls an assistant message asked for; null when none.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; }

    public bool HasContent => Text is not null || Parts is { Count: > 0 };

    /// <summary>The message's text: the plain content, or its text parts joined by newlines (images are skipped).</summary>
    public string PlainText()
    {
        if (Text is not null)
        {
            return Text;
        }

        if (Parts is null)
        {
            return string.Empty;
        }

        return string.Join('\n', Parts.OfType<TextPart>().Select(p => p.Text));
    }
}
