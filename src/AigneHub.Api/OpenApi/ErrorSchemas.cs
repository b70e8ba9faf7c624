namespace AigneHub.Api.OpenApi;

/// <summary>The error bodies of the hand-written surfaces (the transcoded routes answer google.rpc.Status, a proto message).</summary>
internal static class ErrorSchemas
{
    /// <summary>OpenAI's envelope on /v1: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static JsonObject OpenAI(ProtoSchemas schemas) => schemas.Reference("OpenAIError", () => Envelope(
        new JsonObject
        {
            ["message"] = new JsonObject { ["type"] = "string" },
            ["type"] = new JsonObject { ["type"] = "string", ["examples"] = new JsonArray("invalid_request_error") },
            ["param"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
            ["code"] = new JsonObject { ["type"] = new JsonArray("string", "null"), ["examples"] = new JsonArray("model_not_found") },
        },
        new JsonArray("message", "type", "param", "code")));

    /// <summary>AIGNE's shape on /api/v2: <c>{"error":{"message","type","timestamp","param?","link?"}}</c>.</summary>
    public static JsonObject Aigne(ProtoSchemas schemas) => schemas.Reference("AigneError", () => Envelope(
        new JsonObject
        {
            ["message"] = new JsonObject { ["type"] = "string" },
            ["type"] = new JsonObject { ["type"] = "string", ["examples"] = new JsonArray("NOT_ENOUGH") },
            ["timestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["param"] = new JsonObject { ["type"] = "string" },
            ["link"] = new JsonObject { ["type"] = "string" },
        },
        new JsonArray("message", "type", "timestamp")));

    private static JsonObject Envelope(JsonObject properties, JsonArray required) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["error"] = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required },
        },
        ["required"] = new JsonArray("error"),
    };
}
