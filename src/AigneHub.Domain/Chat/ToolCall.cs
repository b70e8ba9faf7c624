namespace AigneHub.Domain.Chat;

/// <summary>A function call the model asked for, as the assistant message of a conversation carries it.</summary>
/// <param name="Id">The provider's id for the call; the tool message that answers it names the same id.</param>
/// <param name="Name">The function's name, as the request's tool definitions named it.</param>
/// <param name="Arguments">The arguments as JSON text, exactly as the model produced them (it may not be valid JSON).</param>
public sealed record ToolCall(string Id, string Name, string Arguments);
