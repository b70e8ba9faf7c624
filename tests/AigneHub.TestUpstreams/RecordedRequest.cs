using System.Text.Json;

namespace AigneHub.TestUpstreams;

/// <summary>A request a fake upstream received, as it arrived on the wire.</summary>
/// <param name="Headers">Every request header (case-insensitive names; repeated values joined with ", ").</param>
/// <param name="Body">The raw body, decoded as UTF-8.</param>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? Authorization => Header("Authorization");

    /// <summary>The body as JSON, for assertions on single fields. Dispose the result.</summary>
    public JsonDocument Json() => JsonDocument.Parse(Body);
}
