using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using AigneHub.Tests.Shared;
using Grpc.Core;
using Grpc.Net.Client;

namespace AigneHub.FunctionalTests.Grpc;

/// <summary>
/// The refusals the official REST clients see as typed errors (400, 401, 403, 404, 429), as a C# gRPC client sees
/// them: status codes, field violations and the retry hint. (402 over gRPC is in the billing tests, which run in
/// credits mode.)
/// </summary>
[Collection(HubCollection.Name)]
public sealed class GrpcErrorTests(HubFixture hub)
{
    private static CreateChatCompletionRequest Chat(string model)
    {
        var request = new CreateChatCompletionRequest { Model = model };
        request.Messages.Add(new ChatMessage { Role = "user", Content = Value.ForString("hi") });
        return request;
    }

    private static async Task<RpcException> RefusedAsync(GrpcChannel channel, CreateChatCompletionRequest request) =>
        await Assert.ThrowsAsync<RpcException>(() => new Inference.InferenceClient(channel).CreateChatCompletionAsync(request).ResponseAsync);

    [Fact]
    public async Task Too_many_choices_is_invalid_argument_naming_n()
    {
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, TestAccess.OwnerKey);
        var request = Chat("demo/echo");
        request.N = 9;

        var error = await RefusedAsync(channel, request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("n", violation.Field);
    }

    [Fact]
    public async Task A_wrong_key_is_unauthenticated()
    {
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, "ahk_0000000000000001_not-the-right-secret-0123456789-abcdefghijklmn");

        var error = await RefusedAsync(channel, Chat("demo/echo"));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task The_refusal_message_is_percent_encoded_only_where_the_grpc_spec_says_so_clients_read_it_intact()
    {
        // An empty request message: five bytes of gRPC framing (not compressed, length 0).
        var (status, raw) = await GrpcFrames.SendForRawStatusAsync(hub.GrpcUri, "/aignehub.v1.Inference/CreateChatCompletion", new byte[5], key: null);

        Assert.Equal(StatusCode.Unauthenticated, status);
        // Printable ASCII stays as it is (grpc-js decodes with decodeURI, which leaves %3A as it is); '…' is its UTF-8 bytes.
        Assert.Equal("You didn't provide an access key. Send it as 'Authorization: Bearer ahk_%E2%80%A6'.", raw);
    }

    [Theory]
    [InlineData("google.rpc.Status", "google/rpc/status.proto")]
    [InlineData("google.rpc.BadRequest", "google/rpc/error_details.proto")]
    [InlineData("google.rpc.ErrorInfo", "google/rpc/error_details.proto")]
    public async Task Server_reflection_serves_the_descriptors_of_the_error_details(string symbol, string file)
    {
        var client = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(hub.Grpc);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { FileContainingSymbol = symbol });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var answer = call.ResponseStream.Current;
        Assert.Null(answer.ErrorResponse);
        var files = answer.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes).Name)
            .ToList();
        Assert.Contains(file, files);
    }

    [Fact]
    public async Task A_model_outside_the_keys_allow_list_is_permission_denied_naming_it()
    {
        var key = await CreateKeyAsync("grpc-errors-allow-list", new { scopes = new[] { "inference" }, models = new[] { "demo/*" } });
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, key);

        var allowed = await new Inference.InferenceClient(channel).CreateChatCompletionAsync(Chat("demo/echo"));
        var error = await RefusedAsync(channel, Chat("openai/gpt-4o-mini"));

        Assert.Equal("hi", allowed.Choices[0].Message.Content);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("openai/gpt-4o-mini", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_is_not_found()
    {
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, TestAccess.OwnerKey);

        var error = await RefusedAsync(channel, Chat("demo/no-such-model"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("demo/no-such-model", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_over_its_request_limit_is_resource_exhausted_with_a_retry_after_trailer()
    {
        var key = await CreateKeyAsync("grpc-errors-limited", new { scopes = new[] { "inference" }, requests_per_minute = 1 });
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, key);

        await new Inference.InferenceClient(channel).CreateChatCompletionAsync(Chat("demo/echo"));
        var error = await RefusedAsync(channel, Chat("demo/echo"));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.True(int.Parse(error.Trailers.GetValue("retry-after")!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    private async Task<string> CreateKeyAsync(string name, object rules)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role = "member", email = $"{name}@example.com" });
        var userBody = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userBody);
        var userId = JsonDocument.Parse(userBody).RootElement.GetProperty("user").GetProperty("id").GetString();

        var request = JsonSerializer.SerializeToNode(rules)!.AsObject();
        request["user_id"] = userId;
        request["name"] = name;
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", request);
        var keyBody = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyBody);
        return JsonDocument.Parse(keyBody).RootElement.GetProperty("secret").GetString()!;
    }
}
