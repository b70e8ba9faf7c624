using System.Collections;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AigneHub.Application.Caching;

/// <summary>
/// The cache key of a request: the SHA-256 of its command as serialized (every member, so a field added to a command
/// or its settings later is covered without touching this), less the members that do not change the answer (the
/// request id, the model as the caller spelled it, how a stream ends), plus the route the model resolved to and the
/// caller's cache scope.
/// </summary>
internal static class CacheKeys
{
    private static readonly string[] NotAnswer = ["RequestId", "Model", "WithReceipt"];

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new RuntimeTypeConverterFactory(), new JsonStringEnumConverter() },
    };

    /// <summary>The command's members as JSON, and its request id.</summary>
    public static (JsonObject Request, string RequestId) Describe(object command)
    {
        var request = JsonSerializer.SerializeToNode(command, command.GetType(), Json)?.AsObject() ?? [];
        var requestId = request["RequestId"]?.GetValue<string>() ?? string.Empty;
        foreach (var name in NotAnswer)
        {
            request.Remove(name);
        }

        return (request, requestId);
    }

    public static string For(string kind, string route, string scope, JsonObject request)
    {
        var subject = new JsonObject { ["kind"] = kind, ["route"] = route, ["scope"] = scope, ["request"] = request };
        return Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(subject, Json)));
    }

    /// <summary>
    /// Writes an abstract type's value (a content part, a tool choice) as its runtime type with that type's name, so
    /// two requests that differ only in a derived type's members never share a key.
    /// </summary>
    private sealed class RuntimeTypeConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsAbstract && !typeToConvert.IsInterface && !typeof(IEnumerable).IsAssignableFrom(typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(RuntimeTypeConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class RuntimeTypeConverter<T> : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Cache keys are only written.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("$type", value!.GetType().Name);
            writer.WritePropertyName("value");
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
            writer.WriteEndObject();
        }
    }
}
