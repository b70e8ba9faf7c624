namespace AigneHub.Domain.Chat;

public enum ResponseFormatKind
{
    Text,

    /// <summary>Any valid JSON object ("JSON mode").</summary>
    JsonObject,

    /// <summary>JSON that follows the given schema ("structured outputs").</summary>
    JsonSchema,
}

/// <summary>The shape the answer must take.</summary>
/// <param name="SchemaName">The schema's name (json_schema only).</param>
/// <param name="SchemaJson">The JSON Schema as JSON text (json_schema only).</param>
public sealed record ResponseFormat(ResponseFormatKind Kind, string? SchemaName = null, string? SchemaJson = null, bool? Strict = null, string? Description = null)
{
    public static readonly ResponseFormat Text = new(ResponseFormatKind.Text);

    public static readonly ResponseFormat JsonObject = new(ResponseFormatKind.JsonObject);
}
