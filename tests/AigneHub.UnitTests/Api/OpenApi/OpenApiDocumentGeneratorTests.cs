using System.Text.Json;
using System.Text.Json.Nodes;
using AigneHub.Api.Grpc.V1;
using AigneHub.Api.OpenApi;
using Google.Api;
using Google.Protobuf.Reflection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace AigneHub.UnitTests.Api.OpenApi;

/// <summary>The generated document, from the real descriptors of the hub's protos and its hand-written routes.</summary>
public sealed class OpenApiDocumentGeneratorTests
{
    private static readonly IReadOnlyList<ServiceDescriptor> HubServices = typeof(InferenceReflection).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(InferenceReflection).Namespace && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
        .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
        .SelectMany(f => f.Services)
        .ToList();

    private static readonly JsonObject Document = Generate(TranscodedRoute.FromServices(HubServices));

    [Fact]
    public void Chat_completions_takes_OpenAI_fields_with_messages_referring_to_ChatMessage()
    {
        var body = Resolve(Operation("/v1/chat/completions", "post")["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var properties = body["properties"]!;

        Assert.Equal("integer", properties["max_tokens"]!["type"]!.GetValue<string>());
        Assert.Equal("array", properties["messages"]!["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/aignehub.v1.ChatMessage", properties["messages"]!["items"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(properties["response_format"]);
        Assert.Null(properties["responseFormat"]);
    }

    [Fact]
    public void Chat_completions_answers_json_and_server_sent_events_of_chunks()
    {
        var content = Operation("/v1/chat/completions", "post")["responses"]!["200"]!["content"]!;

        Assert.Equal("#/components/schemas/aignehub.v1.CreateChatCompletionResponse", content["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/aignehub.v1.ChatCompletionChunk", content["text/event-stream"]!["x-sse-data"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void A_get_route_takes_its_path_variable_as_a_required_path_parameter()
    {
        var parameter = Assert.Single(Operation("/api/admin/providers/{provider}", "get")["parameters"]!.AsArray())!;

        Assert.Equal(("provider", "path", true, "string"), (
            parameter["name"]!.GetValue<string>(),
            parameter["in"]!.GetValue<string>(),
            parameter["required"]!.GetValue<bool>(),
            parameter["schema"]!["type"]!.GetValue<string>()));
    }

    [Fact]
    public void A_verb_route_keeps_its_suffix_and_its_body_leaves_out_the_fields_bound_from_the_path()
    {
        var operation = Operation("/api/admin/providers/{provider}/credentials/{credential_id}:disable", "post");
        var body = operation["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject();

        Assert.Equal(["provider", "credential_id"], operation["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Contains("expected_version", body.Select(p => p.Key));
        Assert.DoesNotContain("provider", body.Select(p => p.Key));
        Assert.DoesNotContain("credential_id", body.Select(p => p.Key));
    }

    [Fact]
    public void Fields_of_a_route_without_body_become_query_parameters()
    {
        var parameters = Operation("/api/usage/calls", "get")["parameters"]!.AsArray();
        var limit = parameters.Single(p => p!["name"]!.GetValue<string>() == "limit")!;
        var remove = Operation("/api/admin/providers/{provider}/credentials/{credential_id}", "delete")["parameters"]!.AsArray();

        Assert.Equal(("limit", "query", "int32"), (limit["name"]!.GetValue<string>(), limit["in"]!.GetValue<string>(), limit["schema"]!["format"]!.GetValue<string>()));
        Assert.Contains(remove, p => p!["name"]!.GetValue<string>() == "expected_version" && p["in"]!.GetValue<string>() == "query");
        Assert.Contains(parameters, p => p!["name"]!.GetValue<string>() == "min_latency_ms" && p["in"]!.GetValue<string>() == "query");
        Assert.Null(Operation("/api/usage/calls", "get")["requestBody"]);
    }

    [Fact]
    public void A_server_streaming_method_answers_its_message_type()
    {
        var answer = Operation("/api/inference/chat/completions:stream", "post")["responses"]!["200"]!;

        Assert.Equal("#/components/schemas/aignehub.v1.ChatCompletionChunk", answer["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Contains("stream", answer["description"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_pattern_variable_is_named_by_its_field_and_its_pattern_described()
    {
        var method = ProviderAdminReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ProviderAdmin").FindMethodByName("GetProvider");
        var document = Generate([new TranscodedRoute(method, new HttpRule { Get = "/v9/{provider=vendors/*}:inspect" })]);

        var parameter = Assert.Single(document["paths"]!["/v9/{provider}:inspect"]!["get"]!["parameters"]!.AsArray())!;
        Assert.Equal("provider", parameter["name"]!.GetValue<string>());
        Assert.Contains("vendors/*", parameter["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_field_rule_sends_that_field_as_the_body_and_the_rest_as_query_and_path()
    {
        var method = ProviderAdminReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ProviderAdmin").FindMethodByName("UpdateProvider");
        var document = Generate([new TranscodedRoute(method, new HttpRule { Put = "/v9/providers/{provider}/base-url", Body = "base_url", ResponseBody = "provider" })]);
        var operation = document["paths"]!["/v9/providers/{provider}/base-url"]!["put"]!;

        Assert.Equal("string", operation["requestBody"]!["content"]!["application/json"]!["schema"]!["type"]!.GetValue<string>());
        Assert.Equal(
            [("provider", "path"), ("expected_version", "query"), ("region", "query")],
            operation["parameters"]!.AsArray().Select(p => (p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>())));
        Assert.Equal("#/components/schemas/aignehub.v1.Provider", operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void Additional_bindings_each_get_an_operation_with_its_own_id()
    {
        var method = AigneHub.Api.Grpc.V1.UsageReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Usage").FindMethodByName("ListCalls");
        var rule = new HttpRule { Get = "/api/usage/calls", AdditionalBindings = { new HttpRule { Get = "/api/usage/recent" } } };
        var routes = new[] { new TranscodedRoute(method, rule) }.Concat(rule.AdditionalBindings.Select(r => new TranscodedRoute(method, r)));
        var document = Generate(routes);

        var ids = new[] { "/api/usage/calls", "/api/usage/recent" }.Select(p => document["paths"]![p]!["get"]!["operationId"]!.GetValue<string>()).ToList();
        Assert.Equal(["Usage_ListCalls", "Usage_ListCalls2"], ids);
    }

    [Fact]
    public void Schemas_follow_the_proto3_JSON_mapping_the_hub_writes()
    {
        var schemas = new ProtoSchemas();
        schemas.For(CreateChatCompletionResponse.Descriptor);
        schemas.For(CallRecord.Descriptor);
        schemas.For(Google.Rpc.ErrorInfo.Descriptor);
        schemas.For(Google.Protobuf.WellKnownTypes.Field.Descriptor);
        schemas.For(HttpRule.Descriptor);
        schemas.For(FunctionDefinition.Descriptor);
        var components = schemas.ToComponents();

        Assert.Equal(("integer", "int64"), TypeAndFormat(components["aignehub.v1.CreateChatCompletionResponse"]!["properties"]!["created"]!));
        Assert.Equal(("string", "date-time"), TypeAndFormat(components["aignehub.v1.CallRecord"]!["properties"]!["started_at"]!));
        Assert.Equal(("object", null), TypeAndFormat(components["aignehub.v1.FunctionDefinition"]!["properties"]!["parameters"]!));
        Assert.Equal("string", components["google.rpc.ErrorInfo"]!["properties"]!["metadata"]!["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/google.protobuf.Field.Kind", components["google.protobuf.Field"]!["properties"]!["kind"]!["$ref"]!.GetValue<string>());
        Assert.Contains("TYPE_STRING", components["google.protobuf.Field.Kind"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Contains("At most one of get, put, post, delete, patch, custom", components["google.api.HttpRule"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptions_come_from_the_proto_comments()
    {
        var limit = Operation("/api/usage/calls", "get")["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "limit")!;
        var testCredential = Operation("/api/admin/providers/{provider}/credentials/{credential_id}:test", "post");

        Assert.Contains("1 to 500", limit["schema"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("Checks the credential against its upstream now", testCredential["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("provider/model", Component("aignehub.v1.CreateChatCompletionRequest")["properties"]!["model"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_google_protobuf_Value_field_accepts_any_JSON()
    {
        var content = Component("aignehub.v1.ChatMessage")["properties"]!["content"]!.AsObject();

        Assert.DoesNotContain("type", content.Select(p => p.Key));
        Assert.DoesNotContain("$ref", content.Select(p => p.Key));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "post", "OpenAIError")]
    [InlineData("/api/v2/chat", "post", "AigneError")]
    [InlineData("/api/admin/providers", "post", "google.rpc.Status")]
    [InlineData("/api/usage/calls", "get", "google.rpc.Status")]
    public void Errors_are_described_in_the_shape_of_their_surface(string path, string method, string schema)
    {
        var error = Operation(path, method)["responses"]!["default"]!["content"]!["application/json"]!["schema"]!;

        Assert.Equal("#/components/schemas/" + schema, error["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void Calls_need_a_bearer_access_key_and_health_discovery_and_the_document_do_not()
    {
        Assert.Equal("bearer", Document["components"]!["securitySchemes"]![OpenApiDocumentGenerator.SecuritySchemeName]!["scheme"]!.GetValue<string>());
        Assert.NotNull(Document["security"]![0]![OpenApiDocumentGenerator.SecuritySchemeName]);
        Assert.Null(Operation("/v1/chat/completions", "post")["security"]);
        Assert.All(
            new[] { ("/healthz", "get"), ("/readyz", "get"), ("/openapi.json", "get"), ("/__blocklet__.js", "get") },
            route => Assert.Empty(Operation(route.Item1, route.Item2)["security"]!.AsArray()));
    }

    [Fact]
    public void Every_http_rule_of_the_hub_protos_is_documented()
    {
        var rules = HubServices.SelectMany(s => s.Methods)
            .Select(m => (Method: m, Rule: m.GetOptions()?.GetExtension(AnnotationsExtensions.Http)))
            .Where(m => m.Rule is not null)
            .ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, m =>
        {
            var binding = new TranscodedRoute(m.Method, m.Rule!).Binding!.Value;
            Assert.NotNull(Document["paths"]![OpenApiDocumentGenerator.ToOpenApiPath(binding.Template)]?[binding.Method]);
        });
    }

    [Fact]
    public void The_document_is_valid_OpenAPI_3_1()
    {
        var json = Document.ToJsonString();

        var (document, diagnostic) = OpenApiDocument.Parse(json, "json");

        Assert.Empty(diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Contains("/v1/chat/completions", document!.Paths!.Keys);
    }

    private static JsonObject Generate(IEnumerable<TranscodedRoute> routes) =>
        OpenApiDocumentGenerator.Generate(routes, HandWrittenRoutes.All, "test", ProtoComments.FromEmbeddedProtos());

    private static JsonNode Operation(string path, string method) =>
        Document["paths"]?[path]?[method] ?? throw new Xunit.Sdk.XunitException($"No {method} {path} in the document.");

    private static JsonNode Component(string name) => Document["components"]!["schemas"]![name]!;

    private static JsonNode Resolve(JsonNode schema) =>
        schema["$ref"] is { } reference ? Component(reference.GetValue<string>()["#/components/schemas/".Length..]) : schema;

    private static (string?, string?) TypeAndFormat(JsonNode schema) =>
        (schema["type"]?.GetValue<string>(), schema["format"]?.GetValue<string>());
}
