namespace AigneHub.Api.Errors;

/// <summary>
/// Says what is wrong with a JSON body the transcoder refused, naming the field as OpenAI does ("Invalid type for
/// 'temperature': expected a number, but got a string instead.", param "temperature"). The transcoder itself only
/// says that the payload "is not correctly formatted"; this walks the body against the request's proto message and
/// reports the first value whose JSON type cannot be that field's. It runs only after a refusal, never on a good call.
/// </summary>
internal static class RequestJsonDiagnosis
{
    private const int MaxDepth = 64;

    /// <summary>The first misfit of <paramref name="json"/> against <paramref name="message"/>, or null when none is found.</summary>
    public static (string? Param, string Message)? Diagnose(MessageDescriptor message, ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            return (null, HubErrorMapper.DescribeMalformedJson(ex));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, $"The body must be a JSON object, but it is {Describe(document.RootElement)}.");
            }

            return CheckMessage(message, document.RootElement, prefix: null, depth: 0);
        }
    }

    private static (string? Param, string Message)? CheckMessage(MessageDescriptor message, JsonElement value, string? prefix, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        foreach (var property in value.EnumerateObject())
        {
            // Unknown members are ignored, as the transcoder ignores them.
            if (FindField(message, property.Name) is not { } field)
            {
                continue;
            }

            var path = prefix is null ? property.Name : prefix + "." + property.Name;
            if (CheckField(field, property.Value, path, depth) is { } misfit)
            {
                return misfit;
            }
        }

        return null;
    }

    private static FieldDescriptor? FindField(MessageDescriptor message, string name)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (field.JsonName == name || field.Name == name)
            {
                return field;
            }
        }

        return null;
    }

    private static (string? Param, string Message)? CheckField(FieldDescriptor field, JsonElement value, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            // null is proto3 JSON for "not set", whatever the field.
            return null;
        }

        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                return Misfit(path, "an object", value);
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                if (CheckSingle(valueField, entry.Value, path + "." + entry.Name, depth + 1) is { } misfit)
                {
                    return misfit;
                }
            }

            return null;
        }

        if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                return Misfit(path, "an array", value);
            }

            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = $"{path}[{index++}]";
                if (item.ValueKind == JsonValueKind.Null)
                {
                    return Misfit(itemPath, Expected(field), item);
                }

                if (CheckSingle(field, item, itemPath, depth + 1) is { } misfit)
                {
                    return misfit;
                }
            }

            return null;
        }

        return CheckSingle(field, value, path, depth);
    }

    private static (string? Param, string Message)? CheckSingle(FieldDescriptor field, JsonElement value, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        switch (field.FieldType)
        {
            case FieldType.Message:
            case FieldType.Group:
                return CheckMessageValue(field.MessageType, value, path, depth);
            case FieldType.Enum:
                return value.ValueKind is JsonValueKind.String || IsInteger(value) ? null : Misfit(path, "a string", value);
            default:
                return Fits(field.FieldType, value) ? null : Misfit(path, Expected(field), value);
        }
    }

    private static (string? Param, string Message)? CheckMessageValue(MessageDescriptor message, JsonElement value, string path, int depth)
    {
        switch (message.FullName)
        {
            case "google.protobuf.Value":
                return null;
            case "google.protobuf.Struct":
                return value.ValueKind == JsonValueKind.Object ? null : Misfit(path, "an object", value);
            case "google.protobuf.ListValue":
                return value.ValueKind == JsonValueKind.Array ? null : Misfit(path, "an array", value);
            case "google.protobuf.Timestamp":
            case "google.protobuf.Duration":
            case "google.protobuf.FieldMask":
                return value.ValueKind == JsonValueKind.String ? null : Misfit(path, "a string", value);
            case "google.protobuf.DoubleValue":
            case "google.protobuf.FloatValue":
            case "google.protobuf.Int32Value":
            case "google.protobuf.UInt32Value":
            case "google.protobuf.Int64Value":
            case "google.protobuf.UInt64Value":
            case "google.protobuf.BoolValue":
            case "google.protobuf.StringValue":
            case "google.protobuf.BytesValue":
                var inner = message.FindFieldByNumber(1);
                return Fits(inner.FieldType, value) ? null : Misfit(path, Expected(inner), value);
        }

        return value.ValueKind == JsonValueKind.Object ? CheckMessage(message, value, path, depth + 1) : Misfit(path, "an object", value);
    }

    private static bool Fits(FieldType type, JsonElement value) => type switch
    {
        FieldType.Double or FieldType.Float => value.ValueKind == JsonValueKind.Number,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
        FieldType.UInt32 or FieldType.Fixed32 => value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out _),
        // proto3 JSON writes 64-bit integers as strings; both forms are read.
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => value.ValueKind == JsonValueKind.Number ? value.TryGetInt64(out _) : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), out _),
        FieldType.UInt64 or FieldType.Fixed64 => value.ValueKind == JsonValueKind.Number ? value.TryGetUInt64(out _) : value.ValueKind == JsonValueKind.String && ulong.TryParse(value.GetString(), out _),
        FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        FieldType.String => value.ValueKind == JsonValueKind.String,
        FieldType.Bytes => value.ValueKind == JsonValueKind.String,
        _ => true,
    };

    private static bool IsInteger(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _);

    private static string Expected(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double or FieldType.Float => "a number",
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.UInt32 or FieldType.Fixed32
            or FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64 => "an integer",
        FieldType.Bool => "a boolean",
        FieldType.String => "a string",
        FieldType.Bytes => "a base64 string",
        FieldType.Enum => "a string",
        _ => "an object",
    };

    private static (string? Param, string Message) Misfit(string path, string expected, JsonElement value)
    {
        var got = Describe(value);
        return expected == got
            ? (path, $"Invalid value for '{path}': {value.GetRawText()} is out of range for {expected}.") // an integer too large for the field
            : (path, $"Invalid type for '{path}': expected {expected}, but got {got} instead.");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) || IsWholeNumber(value) ? "an integer" : "a decimal",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };

    private static bool IsWholeNumber(JsonElement value) =>
        value.TryGetDouble(out var number) && Math.Floor(number) == number && !value.GetRawText().Contains('.', StringComparison.Ordinal);
}
