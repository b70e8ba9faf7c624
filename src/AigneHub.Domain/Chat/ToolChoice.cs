namespace AigneHub.Domain.Chat;

public enum ToolChoiceMode
{
    /// <summary>The model decides whether to call a tool.</summary>
    Auto,

    /// <summary>The model must answer with text.</summary>
    None,

    /// <summary>The model must call at least one tool.</summary>
    Required,

    /// <summary>The model must call the named function.</summary>
    Function,
}

/// <summary>How the model may use the tools it was given.</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static readonly ToolChoice Auto = new(ToolChoiceMode.Auto);

    public static readonly ToolChoice None = new(ToolChoiceMode.None);

    public static readonly ToolChoice Required = new(ToolChoiceMode.Required);

    public static ToolChoice Function(string name) => new(ToolChoiceMode.Function, name);
}
