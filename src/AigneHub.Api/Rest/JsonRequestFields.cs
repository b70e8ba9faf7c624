namespace AigneHub.Api.Rest;

/// <summary>
/// Reads the members of a foreign wire format's JSON body (Responses, legacy completions, Anthropic Messages) by name,
/// refusing a member of the wrong JSON type as a field violation that names the path the client sent. A member that is
/// absent or null is "not given". Rules about values stay in the command validators.
/// </summary>
internal static class JsonRequestFields
{
    public static JsonElement? Optional(JsonElement parent, string name, JsonValueKind kind, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == kind
            ? value
            : throw Shape(path, $"{path} must be {(kind == JsonValueKind.Array ? "an array" : "an object")}");
    }

    /// <summary>A member that may be present but must be null, empty or false to be ignored; anything else is refused.</summary>
    public static bool IsGiven(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
            JsonValueKind.String => value.GetString()!.Length > 0,
            JsonValueKind.Array => value.GetArrayLength() > 0,
            JsonValueKind.Object => value.EnumerateObject().Any(),
            _ => true,
        };

    public static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Shape(path, $"{path} must be a string");
    }

    public static string RequiredString(JsonElement parent, string name, string path) =>
        OptionalString(parent, name, path) ?? throw Shape(path, $"{path} is required");

    public static double? OptionalNumber(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Shape(path, $"{path} must be a number");
    }

    /// <summary>An integer member; the validators decide which values are allowed.</summary>
    public static int? OptionalInteger(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw Shape(path, $"{path} must be an integer");
    }

    public static long? OptionalLong(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : throw Shape(path, $"{path} must be an integer");
    }

    public static bool? OptionalBoolean(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Shape(path, $"{path} must be true or false");
    }

    /// <summary>OpenAI's and Anthropic's stop: one string or an array of strings.</summary>
    public static IReadOnlyList<string>? OptionalStrings(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw Shape(path, $"{path} must be a string or an array of strings");
        }

        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    /// <summary>The body as an object, or a refusal saying that it must be one.</summary>
    public static JsonElement Body(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object ? body : throw Shape("body", "the request body must be a JSON object");

    public static RequestValidationException Shape(string field, string message) => new([new FieldViolation(field, message)]);

    /// <summary>A refusal of a member the hub does not implement, so that ignoring it cannot change the answer silently.</summary>
    public static RequestValidationException Unsupported(string field, string why) => Shape(field, $"{field} is not supported by this hub: {why}");

    public static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
