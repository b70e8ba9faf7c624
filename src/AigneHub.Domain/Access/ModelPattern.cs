namespace AigneHub.Domain.Access;

/// <summary>
/// A key's model allow-list entry: an exact model name (<c>openai/gpt-4o-mini</c>), a provider wildcard
/// (<c>openai/*</c>), any prefix ending in <c>*</c>, or <c>*</c> for every model. Matching ignores case, as
/// provider model ids do.
/// </summary>
public static class ModelPattern
{
    public const int MaxLength = 200;

    public static bool IsValid(string pattern) =>
        !string.IsNullOrWhiteSpace(pattern)
        && pattern.Length <= MaxLength
        && pattern.IndexOf('*', StringComparison.Ordinal) is var star && (star < 0 || star == pattern.Length - 1)
        && !pattern.Any(char.IsWhiteSpace);

    public static bool Matches(string pattern, string model) =>
        pattern.EndsWith('*')
            ? model.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, model, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <paramref name="pattern"/> allows every model that <paramref name="narrower"/> allows: <c>openai/*</c>
    /// covers <c>openai/gpt-4o</c> and <c>openai/gpt*</c>; an exact name covers only itself.
    /// </summary>
    public static bool Covers(string pattern, string narrower) =>
        pattern.EndsWith('*')
            ? narrower.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : !narrower.EndsWith('*') && string.Equals(pattern, narrower, StringComparison.OrdinalIgnoreCase);

    /// <summary>An empty allow-list allows every model.</summary>
    public static bool Allows(IReadOnlyCollection<string> allowList, string model) =>
        allowList.Count == 0 || allowList.Any(p => Matches(p, model));
}
