namespace AigneHub.Domain.Chat;

/// <summary>A function the model may call.</summary>
/// <param name="ParametersJson">The JSON Schema of the arguments as JSON text; null when the function takes none.</param>
/// <param name="Strict">Whether the provider must follow the schema exactly, where it supports that.</param>
public sealed record ToolDefinition(string Name, string? Description, string? ParametersJson, bool? Strict = null);
