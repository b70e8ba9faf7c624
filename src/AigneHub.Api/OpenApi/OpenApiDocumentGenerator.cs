using System.Text.RegularExpressions;

namespace AigneHub.Api.OpenApi;

/// <summary>
/// Writes the hub's OpenAPI 3.1 document: one operation per transcoded gRPC binding (path, parameters, body and
/// answer derived from the <c>google.api.http</c> rule and the message descriptors) and one per hand-written route,
/// with the error shape of each surface and the access-key security scheme.
/// </summary>
internal static partial class OpenApiDocumentGenerator
{
    public const string SecuritySchemeName = "hub_access_key";

    private static readonly HashSet<string> OperationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <param name="comments">Proto comments for descriptions, when available.</param>
    public static JsonObject Generate(IEnumerable<TranscodedRoute> transcoded, IEnumerable<DocumentedRoute> handWritten, string version, ProtoComments? comments = null)
    {
        var schemas = new ProtoSchemas(comments);
        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);

        foreach (var route in transcoded.OrderBy(r => r.Method.FullName, StringComparer.Ordinal))
        {
            if (route.Binding is not { } binding || !OperationMethods.Contains(binding.Method))
            {
                continue;
            }

            var path = ToOpenApiPath(binding.Template);
            var operation = TranscodedOperation(route, binding.Template, schemas);
            operation["operationId"] = UniqueId($"{route.Method.Service.Name}_{route.Method.Name}", operationIds);
            if (comments?.For(route.Method.FullName) is { } description)
            {
                operation["description"] = description;
            }

            operation["responses"]!["default"] = ErrorResponse(path, transcoded: true, schemas);
            if (route.Anonymous)
            {
                operation["security"] = new JsonArray();
            }

            PathItem(paths, path)[binding.Method] = operation;
        }

        foreach (var route in handWritten)
        {
            var item = PathItem(paths, route.Path);
            var operation = route.Operation(schemas);
            if (route.ExtendsTranscodedRoute && item[route.Method] is JsonObject existing)
            {
                Extend(existing, operation);
                continue;
            }

            operation["operationId"] = UniqueId(operation["operationId"]?.GetValue<string>() ?? $"{route.Method}{route.Path}", operationIds);
            if (ErrorResponse(route.Path, transcoded: false, schemas) is { } error)
            {
                ((JsonObject)operation["responses"]!)["default"] = error;
            }

            if (route.Anonymous)
            {
                operation["security"] = new JsonArray();
            }

            item[route.Method] = operation;
        }

        var pathsNode = new JsonObject();
        foreach (var (path, item) in paths.Where(p => p.Value.Count > 0))
        {
            pathsNode[path] = item;
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "AIGNE Hub",
                ["version"] = version,
                ["description"] =
                    "The REST routes of one AIGNE Hub: OpenAI-compatible (/v1), AIGNE-native (/api/v2), and the gRPC " +
                    "services' JSON-transcoded routes (/api/...). Generated at runtime from the gRPC descriptors and the " +
                    "hand-written routes this hub maps. Errors: OpenAI's envelope on /v1, AIGNE's on /api/v2, " +
                    "google.rpc.Status on the other transcoded routes.",
            },
            ["paths"] = pathsNode,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.ToComponents(),
                ["securitySchemes"] = new JsonObject
                {
                    [SecuritySchemeName] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["description"] = "A hub access key: Authorization: Bearer <key>.",
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { [SecuritySchemeName] = new JsonArray() }),
        };
    }

    /// <summary><c>/v1/{name=projects/*}:get</c> → <c>/v1/{name}:get</c>: OpenAPI names the variable, the pattern goes to its description.</summary>
    public static string ToOpenApiPath(string template) =>
        PathVariable().Replace(template, m => "{" + m.Groups["field"].Value + "}");

    private static JsonObject TranscodedOperation(TranscodedRoute route, string template, ProtoSchemas schemas)
    {
        var method = route.Method;
        var input = method.InputType;
        var parameters = new JsonArray();
        var pathFields = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match variable in PathVariable().Matches(template))
        {
            var fieldPath = variable.Groups["field"].Value;
            pathFields.Add(fieldPath);
            var field = ResolveField(input, fieldPath);
            var parameter = new JsonObject
            {
                ["name"] = fieldPath,
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = field is null ? new JsonObject { ["type"] = "string" } : schemas.For(field),
            };
            if (variable.Groups["pattern"].Success && variable.Groups["pattern"].Value != "*")
            {
                parameter["description"] = $"Matches the path pattern `{variable.Groups["pattern"].Value}`.";
            }

            parameters.Add(parameter);
        }

        var body = route.Rule.Body;
        if (body != "*")
        {
            var excluded = new HashSet<string>(pathFields, StringComparer.Ordinal);
            if (body.Length > 0)
            {
                excluded.Add(body);
            }

            AddQueryParameters(parameters, input, protoPrefix: string.Empty, jsonPrefix: string.Empty, excluded, schemas, depth: 0);
        }

        var operation = new JsonObject
        {
            ["tags"] = new JsonArray(method.Service.FullName),
            ["summary"] = $"{method.Service.FullName}/{method.Name}",
        };
        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (body.Length > 0)
        {
            var schema = body == "*"
                ? pathFields.Count == 0 ? schemas.For(input) : schemas.ObjectSchema(input, pathFields)
                : schemas.For(ResolveField(input, body) ?? throw new InvalidOperationException($"{method.FullName}: the HTTP rule's body names no field '{body}'."));
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } },
            };
        }

        var responseBody = route.Rule.ResponseBody;
        var answer = responseBody.Length == 0
            ? schemas.For(method.OutputType)
            : schemas.For(ResolveField(method.OutputType, responseBody) ?? throw new InvalidOperationException($"{method.FullName}: the HTTP rule's response_body names no field '{responseBody}'."));
        operation["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = method.IsServerStreaming
                    ? $"A stream of {method.OutputType.Name} messages, written as JSON objects one after another as they arrive."
                    : "OK",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = answer } },
            },
        };
        return operation;
    }

    private static void AddQueryParameters(JsonArray parameters, MessageDescriptor message, string protoPrefix, string jsonPrefix, HashSet<string> excluded, ProtoSchemas schemas, int depth)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            var protoPath = protoPrefix + field.Name;
            if (excluded.Contains(protoPath) || field.IsMap)
            {
                continue;
            }

            var jsonPath = jsonPrefix + field.JsonName;
            var isNested = field.FieldType == FieldType.Message && !field.IsRepeated && !field.MessageType.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal);
            if (isNested)
            {
                // Query strings address nested fields by dotted paths; stop before a recursive message runs away.
                if (depth < 3)
                {
                    AddQueryParameters(parameters, field.MessageType, protoPath + ".", jsonPath + ".", excluded, schemas, depth + 1);
                }

                continue;
            }

            parameters.Add(new JsonObject { ["name"] = jsonPath, ["in"] = "query", ["schema"] = schemas.For(field) });
        }
    }

    private static FieldDescriptor? ResolveField(MessageDescriptor message, string fieldPath)
    {
        FieldDescriptor? field = null;
        var current = message;
        foreach (var part in fieldPath.Split('.'))
        {
            field = current?.FindFieldByName(part);
            if (field is null)
            {
                return null;
            }

            current = field.FieldType == FieldType.Message ? field.MessageType : null;
        }

        return field;
    }

    private static JsonObject? ErrorResponse(string path, bool transcoded, ProtoSchemas schemas)
    {
        JsonObject? schema;
        string description;
        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            schema = ErrorSchemas.OpenAI(schemas);
            description = "An error, in OpenAI's envelope.";
        }
        else if (path.StartsWith("/api/v2/", StringComparison.Ordinal))
        {
            schema = ErrorSchemas.Aigne(schemas);
            description = "An error, in AIGNE's shape (402 answers type NOT_ENOUGH).";
        }
        else if (transcoded)
        {
            schema = schemas.For(Google.Rpc.Status.Descriptor);
            description = "An error as a google.rpc.Status (validation failures carry a google.rpc.BadRequest detail).";
        }
        else
        {
            return null;
        }

        return new JsonObject
        {
            ["description"] = description,
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } },
        };
    }

    private static void Extend(JsonObject operation, JsonObject addition)
    {
        if (addition["description"]?.GetValue<string>() is { } description)
        {
            var existing = operation["description"]?.GetValue<string>();
            operation["description"] = existing is null ? description : existing + "\n\n" + description;
        }

        if (addition["responses"] is not JsonObject responses)
        {
            return;
        }

        var target = (JsonObject)operation["responses"]!;
        foreach (var (status, response) in responses)
        {
            if (target[status] is JsonObject current && current["content"] is JsonObject content && response?["content"] is JsonObject added)
            {
                foreach (var (mediaType, media) in added)
                {
                    content[mediaType] = media?.DeepClone();
                }
            }
            else
            {
                target[status] = response?.DeepClone();
            }
        }
    }

    private static JsonObject PathItem(SortedDictionary<string, JsonObject> paths, string path)
    {
        if (!paths.TryGetValue(path, out var item))
        {
            item = new JsonObject();
            paths[path] = item;
        }

        return item;
    }

    private static string UniqueId(string candidate, HashSet<string> taken)
    {
        var id = candidate;
        for (var n = 2; !taken.Add(id); n++)
        {
            id = $"{candidate}{n}";
        }

        return id;
    }

    [GeneratedRegex(@"\{(?<field>[^}=]+)(?:=(?<pattern>[^}]*))?\}")]
    private static partial Regex PathVariable();
}
