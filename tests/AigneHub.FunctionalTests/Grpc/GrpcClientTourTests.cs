using AigneHub.Api.Grpc.V1;
using AigneHub.Tests.Shared;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Grpc;

/// <summary>
/// An internal service's view: the generated C# gRPC clients over the hub's gRPC port, one call through every service
/// (inference, embeddings, images, models, hub, usage, credits, providers, billing, access, audit, secrets), each answering
/// what its REST twin answers.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class GrpcClientTourTests(HubFixture hub)
{
    private static readonly ChatMessage Hello = new() { Role = "user", Content = Value.ForString("hello over grpc") };

    [Fact]
    public async Task Inference_embeddings_images_and_models_work_over_grpc()
    {
        var inference = new Inference.InferenceClient(hub.Grpc);
        var request = new CreateChatCompletionRequest { Model = "demo/echo" };
        request.Messages.Add(Hello);

        var unary = await inference.CreateChatCompletionAsync(request);
        var streamed = new List<string>();
        using (var call = inference.StreamChatCompletion(request))
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                streamed.AddRange(chunk.Choices.Select(c => c.Delta?.Content ?? string.Empty));
            }
        }

        Assert.Equal("hello over grpc", unary.Choices[0].Message.Content);
        Assert.Equal("hello over grpc", string.Concat(streamed));

        var embeddings = new Embeddings.EmbeddingsClient(hub.Grpc);
        var floats = await embeddings.CreateEmbeddingsAsync(new CreateEmbeddingsRequest { Model = "demo/embed", Input = Value.ForString("grpc") });
        var base64 = await embeddings.CreateEmbeddingsAsync(new CreateEmbeddingsRequest { Model = "demo/embed", Input = Value.ForString("grpc"), EncodingFormat = "base64" });
        Assert.Equal(Value.KindOneofCase.ListValue, floats.Data[0].Embedding.KindCase);
        Assert.Equal(floats.Data[0].Embedding.ListValue.Values.Count * 4, Convert.FromBase64String(base64.Data[0].Embedding.StringValue).Length);

        var images = new Images.ImagesClient(hub.Grpc);
        var inline = await images.GenerateImagesAsync(new GenerateImagesRequest { Model = "demo/image", Prompt = "a grpc logo", ResponseFormat = "b64_json" });
        var linked = await images.GenerateImagesAsync(new GenerateImagesRequest { Model = "demo/image", Prompt = "a grpc logo", ResponseFormat = "url" });
        Assert.NotEmpty(Convert.FromBase64String(inline.Data[0].B64Json));
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        var fetched = await anonymous.GetByteArrayAsync(new Uri(linked.Data[0].Url).PathAndQuery);
        Assert.NotEmpty(fetched);

        var models = new Models.ModelsClient(hub.Grpc);
        var list = await models.ListModelsAsync(new ListModelsRequest());
        var one = await models.GetModelAsync(new GetModelRequest { Id = "demo/echo" });
        Assert.Contains(list.Data, m => m.Id == "demo/echo");
        Assert.Equal("demo", one.OwnedBy);
    }

    [Fact]
    public async Task Hub_status_user_info_and_model_catalogue_work_over_grpc()
    {
        var hubClient = new Hub.HubClient(hub.Grpc);

        var whole = await hubClient.GetHubStatusAsync(new GetHubStatusRequest());
        var echo = await hubClient.GetHubStatusAsync(new GetHubStatusRequest { Model = "demo/echo" });
        var unknown = await hubClient.GetHubStatusAsync(new GetHubStatusRequest { Model = "demo/no-such-model" });
        var malformed = await Assert.ThrowsAsync<RpcException>(() => hubClient.GetHubStatusAsync(new GetHubStatusRequest { Model = "two words" }).ResponseAsync);

        Assert.True(whole.Available);
        Assert.True(echo.Available);
        Assert.False(echo.HasError);
        Assert.False(unknown.Available);
        Assert.Contains("'demo/no-such-model'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal("model", Assert.Single(malformed.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        // The caller's own profile: the owner key's, then a member's with the member's key.
        var owner = await hubClient.GetUserInfoAsync(new GetUserInfoRequest());
        Assert.Equal("owner", owner.User.Role);
        Assert.False(string.IsNullOrEmpty(owner.User.Did));
        Assert.False(owner.EnableCredit);
        Assert.Null(owner.CreditBalance);
        Assert.False(owner.HasPaymentLink);

        var access = new AccessAdmin.AccessAdminClient(hub.Grpc);
        var user = await access.CreateUserAsync(new CreateUserRequest { DisplayName = "hub tourist", Role = "member", Email = "hub-tourist@example.com" });
        var keyRequest = new CreateAccessKeyRequest { UserId = user.User.Id, Name = "hub tour" };
        keyRequest.Scopes.Add("inference");
        var key = await access.CreateAccessKeyAsync(keyRequest);
        using var memberChannel = TestAccess.GrpcChannel(hub.GrpcUri, key.Secret);
        var member = await new Hub.HubClient(memberChannel).GetUserInfoAsync(new GetUserInfoRequest());
        Assert.Equal(user.User.Id, member.User.Did);
        Assert.Equal("hub tourist", member.User.FullName);
        Assert.Equal("hub-tourist@example.com", member.User.Email);
        Assert.Equal("member", member.User.Role);

        // The catalogue needs no key, like GET /api/ai/models; the user info does.
        using var anonymous = TestAccess.GrpcChannel(hub.GrpcUri, key: null);
        var anonymousHub = new Hub.HubClient(anonymous);
        var refused = await Assert.ThrowsAsync<RpcException>(() => anonymousHub.GetUserInfoAsync(new GetUserInfoRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        await new BillingAdmin.BillingAdminClient(hub.Grpc).SetModelRateAsync(new SetModelRateRequest
        {
            Type = "embedding", Provider = "demo", Model = "embed", InputRate = "0.25", OutputRate = "0",
        });
        var chat = await anonymousHub.ListModelCatalogueAsync(new ListModelCatalogueRequest { Type = "chat" });
        var embedding = await anonymousHub.ListModelCatalogueAsync(new ListModelCatalogueRequest { Type = "embedding" });
        var all = await anonymousHub.ListModelCatalogueAsync(new ListModelCatalogueRequest());
        var badType = await Assert.ThrowsAsync<RpcException>(() => anonymousHub.ListModelCatalogueAsync(new ListModelCatalogueRequest { Type = "audio" }).ResponseAsync);

        var demoEcho = Assert.Single(chat.Models, m => m.Provider == "demo" && m.Model == "echo");
        Assert.Equal("chat", demoEcho.Type);
        Assert.Equal("Demo (built in)", demoEcho.ProviderDisplayName);
        Assert.Equal(("0", "0"), (demoEcho.InputCreditsPerToken, demoEcho.OutputCreditsPerToken));
        Assert.True(demoEcho.Status.Available);
        Assert.All(chat.Models, m => Assert.Equal("chat", m.Type));
        var demoEmbed = Assert.Single(embedding.Models, m => m.Provider == "demo" && m.Model == "embed");
        Assert.Equal(("0.25", "0"), (demoEmbed.InputCreditsPerToken, demoEmbed.OutputCreditsPerToken));
        Assert.Equal(chat.Models.Count + embedding.Models.Count + all.Models.Count(m => m.Type == "image"), all.Models.Count);
        Assert.Equal(StatusCode.InvalidArgument, badType.StatusCode);
        var typeViolation = Assert.Single(badType.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal(("type", "'audio' is not one of ['chat', 'image', 'embedding']"), (typeViolation.Field, typeViolation.Description));
    }

    [Fact]
    public async Task Usage_credits_and_keys_work_over_grpc()
    {
        var access = new AccessAdmin.AccessAdminClient(hub.Grpc);
        var user = await access.CreateUserAsync(new CreateUserRequest { DisplayName = "grpc tourist", Role = "member", Email = "grpc-tourist@example.com" });
        var keyRequest = new CreateAccessKeyRequest { UserId = user.User.Id, Name = "grpc tour" };
        keyRequest.Scopes.Add("inference");
        var key = await access.CreateAccessKeyAsync(keyRequest);
        Assert.StartsWith("ahk_", key.Secret, StringComparison.Ordinal);
        Assert.Contains((await access.ListUsersAsync(new ListUsersRequest())).Users, u => u.Id == user.User.Id);

        // The member's own view, with the member's key.
        using var memberChannel = TestAccess.GrpcChannel(hub.GrpcUri, key.Secret);
        var chat = new CreateChatCompletionRequest { Model = "demo/echo" };
        chat.Messages.Add(Hello);
        var answered = await new Inference.InferenceClient(memberChannel).CreateChatCompletionAsync(chat);
        var myKeys = await new MyAccessKeys.MyAccessKeysClient(memberChannel).ListMyKeysAsync(new ListMyKeysRequest());
        Assert.Equal(key.Key.KeyId, Assert.Single(myKeys.Keys).KeyId);
        var balance = await new UserCredit.UserCreditClient(memberChannel).GetCreditBalanceAsync(new GetCreditBalanceRequest());
        Assert.Equal(user.User.Id, balance.Balance.UserId);

        var usage = new AigneHub.Api.Grpc.V1.Usage.UsageClient(memberChannel);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var calls = await usage.ListCallsAsync(new ListCallsRequest());
        while (calls.Calls.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            calls = await usage.ListCallsAsync(new ListCallsRequest());
        }

        // The member sees exactly their one call.
        Assert.Equal(user.User.Id, Assert.Single(calls.Calls).UserId);
        Assert.NotEmpty(answered.Id);
        var reports = await usage.ListUsageReportsAsync(new ListUsageReportsRequest());
        Assert.All(reports.Reports, r => Assert.Equal(user.User.Id, r.Scope));

        // Admin views of the same user.
        var account = await new CreditAdmin.CreditAdminClient(hub.Grpc).GetCreditAccountAsync(new GetCreditAccountRequest { UserId = user.User.Id });
        Assert.Equal(user.User.Id, account.Balance.UserId);
        var audit = await new Audit.AuditClient(hub.Grpc).ListAuditEntriesAsync(new ListAuditEntriesRequest { Target = $"user:{user.User.Id}" });
        Assert.NotEmpty(audit.Entries);
    }

    [Fact]
    public async Task Provider_billing_and_secret_administration_work_over_grpc()
    {
        var providers = await new ProviderAdmin.ProviderAdminClient(hub.Grpc).ListProvidersAsync(new ListProvidersRequest());
        var settings = await new BillingAdmin.BillingAdminClient(hub.Grpc).GetBillingSettingsAsync(new GetBillingSettingsRequest());
        var rates = await new BillingAdmin.BillingAdminClient(hub.Grpc).ListModelRatesAsync(new ListModelRatesRequest());
        var rotation = await new SecretsAdmin.SecretsAdminClient(hub.Grpc).RotateSecretsAsync(new RotateSecretsRequest { DryRun = true });

        Assert.NotNull(providers.Providers);
        Assert.NotNull(settings.Settings);
        Assert.NotNull(rates.Rates);
        Assert.NotNull(rotation);

        // A member cannot reach them.
        using var anonymous = TestAccess.GrpcChannel(hub.GrpcUri, key: null);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new ProviderAdmin.ProviderAdminClient(anonymous).ListProvidersAsync(new ListProvidersRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }
}
