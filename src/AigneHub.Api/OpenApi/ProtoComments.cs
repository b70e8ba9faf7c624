namespace AigneHub.Api.OpenApi;

/// <summary>
/// The leading comments of the hub's .proto files, by full name (<c>aignehub.v1.ListCallsRequest.limit</c>), for the
/// OpenAPI descriptions. Generated C# descriptors carry no source info, so the proto sources are embedded in the
/// assembly and their comments read here; a statement the reader does not follow simply has no description.
/// </summary>
internal sealed class ProtoComments
{
    private readonly Dictionary<string, string> _comments;

    private ProtoComments(Dictionary<string, string> comments) => _comments = comments;

    /// <summary>The comments of every .proto file embedded in the Api assembly.</summary>
    public static ProtoComments FromEmbeddedProtos()
    {
        var assembly = typeof(ProtoComments).Assembly;
        var comments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".proto", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            Read(reader.ReadToEnd(), comments);
        }

        return new ProtoComments(comments);
    }

    public static ProtoComments Parse(string source)
    {
        var comments = new Dictionary<string, string>(StringComparer.Ordinal);
        Read(source, comments);
        return new ProtoComments(comments);
    }

    public string? For(string fullName) => _comments.GetValueOrDefault(fullName);

    private static void Read(string source, Dictionary<string, string> comments)
    {
        var package = string.Empty;
        var scopes = new Stack<string?>();
        var statement = new StringBuilder();
        var comment = new List<string>();
        var inString = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (inString)
            {
                inString = c != '"';
                statement.Append(c);
                continue;
            }

            if (c == '/' && i + 1 < source.Length && source[i + 1] == '/')
            {
                var end = source.IndexOf('\n', i);
                end = end < 0 ? source.Length : end;
                comment.Add(source[(i + 2)..end].Trim());
                i = end;
                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    statement.Append(c);
                    break;
                case '{':
                    scopes.Push(Open(Words(statement), package, scopes, comment, comments));
                    statement.Clear();
                    comment.Clear();
                    break;
                case ';':
                    var words = Words(statement);
                    if (words is ["package", var name, ..])
                    {
                        package = name;
                    }
                    else if (scopes.TryPeek(out var scope) && scope is not null)
                    {
                        Field(words, scope, comment, comments);
                    }

                    statement.Clear();
                    comment.Clear();
                    break;
                case '}':
                    scopes.TryPop(out _);
                    statement.Clear();
                    comment.Clear();
                    break;
                default:
                    statement.Append(c);
                    break;
            }
        }
    }

    /// <summary>A block: message, enum and service name a scope; rpc and oneof blocks keep the enclosing one; others (options) none.</summary>
    private static string? Open(string[] words, string package, Stack<string?> scopes, List<string> comment, Dictionary<string, string> comments)
    {
        var parent = scopes.TryPeek(out var scope) ? scope : package;
        switch (words)
        {
            case ["message" or "enum" or "service", var name, ..]:
                var fullName = string.IsNullOrEmpty(parent) ? name : $"{parent}.{name}";
                Record(fullName, comment, comments);
                return fullName;
            case ["rpc", var method, ..]:
                Record($"{parent}.{method.Split('(')[0]}", comment, comments);
                return null;
            case ["oneof", ..]:
                return scope;
            default:
                return null;
        }
    }

    /// <summary><c>optional int32 max_tokens = 5 [json_name = "max_tokens"]</c> → <c>scope.max_tokens</c>; enum values likewise.</summary>
    private static void Field(string[] words, string scope, List<string> comment, Dictionary<string, string> comments)
    {
        var equals = Array.IndexOf(words, "=");
        if (equals >= 1 && words[0] is not ("option" or "reserved" or "import" or "syntax"))
        {
            Record($"{scope}.{words[equals - 1]}", comment, comments);
        }
    }

    private static void Record(string fullName, List<string> comment, Dictionary<string, string> comments)
    {
        if (comment.Count > 0)
        {
            comments[fullName] = string.Join(" ", comment);
        }
    }

    private static string[] Words(StringBuilder statement) =>
        statement.ToString().Replace("=", " = ", StringComparison.Ordinal).Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
}
