namespace AigneHub.Api.OpenApi;

/// <summary>
/// The component schemas of an OpenAPI document, built from protobuf descriptors as the hub's JSON transcoding writes
/// them (proto3 JSON mapping): each field under its JSON name (<c>json_name</c>), int64 as a JSON number (the hub sets
/// <c>WriteInt64sAsStrings = false</c>), enums as their names, and the well-known types as their JSON forms.
/// Messages become named components (referenced by their full proto name); well-known types are written inline.
/// </summary>
internal sealed class ProtoSchemas(ProtoComments? comments = null)
{
    private const string ComponentPrefix = "#/components/schemas/";

    private readonly SortedDictionary<string, JsonNode> _components = new(StringComparer.Ordinal);

    /// <summary>A schema for a message: inline for a well-known type, otherwise a reference to its component.</summary>
    public JsonObject For(MessageDescriptor message) =>
        WellKnown(message) ?? Reference(message.FullName, () => ObjectSchema(message, excluded: null));

    /// <summary>An object schema of the message's fields but those excluded (fields bound from the path, say).</summary>
    public JsonObject ObjectSchema(MessageDescriptor message, IReadOnlySet<string>? excluded)
    {
        var properties = new JsonObject();
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (excluded is null || !excluded.Contains(field.Name))
            {
                properties[field.JsonName] = For(field);
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        var description = new[] { comments?.For(message.FullName) }
            .Concat(message.Oneofs.Where(o => !o.IsSynthetic).Select(o => $"At most one of {string.Join(", ", o.Fields.Select(f => f.JsonName))} is set."))
            .OfType<string>()
            .ToList();
        if (description.Count > 0)
        {
            schema["description"] = string.Join(" ", description);
        }

        return schema;
    }

    /// <summary>The schema of one field's JSON value.</summary>
    public JsonObject For(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            // Map keys are always JSON object keys (strings), whatever their proto type.
            var value = field.MessageType.FindFieldByNumber(2);
            return Described(new JsonObject { ["type"] = "object", ["additionalProperties"] = For(value) }, comments?.For(field.FullName));
        }

        var single = Single(field);
        return Described(field.IsRepeated ? new JsonObject { ["type"] = "array", ["items"] = single } : single, comments?.For(field.FullName));
    }

    private static JsonObject Described(JsonObject schema, string? description)
    {
        // OpenAPI 3.1 schemas may carry a description beside a $ref.
        if (description is not null && schema["description"] is null)
        {
            schema["description"] = description;
        }

        return schema;
    }

    /// <summary>A schema that is not a proto message (a hand-written route's body, an error shape), by name.</summary>
    public JsonObject Reference(string name, Func<JsonObject> build)
    {
        if (!_components.ContainsKey(name))
        {
            // Reserve the name first: a message may refer to itself, directly or through its fields.
            _components[name] = new JsonObject();
            _components[name] = build();
        }

        return new JsonObject { ["$ref"] = ComponentPrefix + name };
    }

    /// <summary>The components built so far, sorted by name.</summary>
    public JsonObject ToComponents()
    {
        var result = new JsonObject();
        foreach (var (name, schema) in _components)
        {
            result[name] = schema.DeepClone();
        }

        return result;
    }

    private JsonObject Single(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => Number("double"),
        FieldType.Float => Number("float"),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer("int64"),
        FieldType.UInt64 or FieldType.Fixed64 => Integer("uint64"),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Integer("int32"),
        FieldType.UInt32 or FieldType.Fixed32 => Integer("uint32"),
        FieldType.Bool => new JsonObject { ["type"] = "boolean" },
        FieldType.String => new JsonObject { ["type"] = "string" },
        FieldType.Bytes => new JsonObject { ["type"] = "string", ["format"] = "byte" },
        FieldType.Enum => For(field.EnumType),
        FieldType.Message or FieldType.Group => For(field.MessageType),
        _ => new JsonObject(),
    };

    private JsonObject For(EnumDescriptor enumType)
    {
        if (enumType.FullName == "google.protobuf.NullValue")
        {
            return new JsonObject { ["type"] = "null" };
        }

        return Reference(enumType.FullName, () => new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray(enumType.Values.Select(v => (JsonNode)JsonValue.Create(v.Name)).ToArray()),
        });
    }

    private static JsonObject? WellKnown(MessageDescriptor message) => message.FullName switch
    {
        "google.protobuf.Value" => new JsonObject { ["description"] = "Any JSON value." },
        "google.protobuf.Struct" => new JsonObject { ["type"] = "object", ["additionalProperties"] = true },
        "google.protobuf.ListValue" => new JsonObject { ["type"] = "array", ["items"] = new JsonObject() },
        "google.protobuf.Timestamp" => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
        "google.protobuf.Duration" => new JsonObject
        {
            ["type"] = "string",
            ["pattern"] = "^-?[0-9]+(\\.[0-9]{1,9})?s$",
            ["description"] = "Seconds with an \"s\" suffix, e.g. \"1.5s\".",
        },
        "google.protobuf.FieldMask" => new JsonObject { ["type"] = "string", ["description"] = "Comma-separated field paths in lowerCamelCase." },
        "google.protobuf.Empty" => new JsonObject { ["type"] = "object" },
        "google.protobuf.Any" => new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["@type"] = new JsonObject { ["type"] = "string" } },
            ["required"] = new JsonArray("@type"),
            ["additionalProperties"] = true,
        },
        "google.protobuf.DoubleValue" => Nullable(Number("double")),
        "google.protobuf.FloatValue" => Nullable(Number("float")),
        "google.protobuf.Int64Value" => Nullable(Integer("int64")),
        "google.protobuf.UInt64Value" => Nullable(Integer("uint64")),
        "google.protobuf.Int32Value" => Nullable(Integer("int32")),
        "google.protobuf.UInt32Value" => Nullable(Integer("uint32")),
        "google.protobuf.BoolValue" => new JsonObject { ["type"] = new JsonArray("boolean", "null") },
        "google.protobuf.StringValue" => new JsonObject { ["type"] = new JsonArray("string", "null") },
        "google.protobuf.BytesValue" => new JsonObject { ["type"] = new JsonArray("string", "null"), ["format"] = "byte" },
        _ => null,
    };

    private static JsonObject Number(string format) => new() { ["type"] = "number", ["format"] = format };

    private static JsonObject Integer(string format) => new() { ["type"] = "integer", ["format"] = format };

    private static JsonObject Nullable(JsonObject schema)
    {
        schema["type"] = new JsonArray(schema["type"]!.GetValue<string>(), "null");
        return schema;
    }
}
