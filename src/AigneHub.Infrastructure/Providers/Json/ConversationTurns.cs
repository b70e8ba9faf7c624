namespace AigneHub.Infrastructure.Providers.Json;

/// <summary>
/// The turns of a conversation as Anthropic's Messages API and Bedrock's Converse take them: alternating
/// <c>{"role": "user" | "assistant", "content": [blocks]}</c> objects, where consecutive messages of one turn (a user
/// message and the tool results after it) share one object and the system prompt is not a turn at all.
/// </summary>
internal static class ConversationTurns
{
    /// <summary>The turn a message belongs to: tool results are the user's; null for the roles that go to the system prompt.</summary>
    public static ChatRole? TurnOf(ChatRole role) => role switch
    {
        ChatRole.User or ChatRole.Tool => ChatRole.User,
        ChatRole.Assistant => ChatRole.Assistant,
        ChatRole.System or ChatRole.Developer => null,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown chat role."),
    };

    /// <summary>Opens a turn's object and its content array unless <paramref name="turn"/> is the one already open.</summary>
    public static void Enter(Utf8JsonWriter writer, ref ChatRole? openTurn, ChatRole turn)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (turn == openTurn)
        {
            return;
        }

        Close(writer, openTurn);
        writer.WriteStartObject();
        writer.WriteString("role"u8, turn == ChatRole.User ? "user"u8 : "assistant"u8);
        writer.WriteStartArray("content"u8);
        openTurn = turn;
    }

    /// <summary>Closes the open turn, if any.</summary>
    public static void Close(Utf8JsonWriter writer, ChatRole? openTurn)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (openTurn is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}
