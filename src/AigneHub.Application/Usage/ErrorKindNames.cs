using System.Collections.Frozen;

namespace AigneHub.Application.Usage;

/// <summary>Error kinds as the APIs spell them: snake case ("upstream_timeout").</summary>
public static class ErrorKindNames
{
    private static readonly FrozenDictionary<ErrorKind, string> Names = Enum.GetValues<ErrorKind>().ToFrozenDictionary(
        kind => kind,
        kind => string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));

    public static string SnakeCase(ErrorKind kind) => Names[kind];
}
