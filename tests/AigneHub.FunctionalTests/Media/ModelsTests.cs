using System.Net;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using static AigneHub.FunctionalTests.Media.MediaTestSupport;

namespace AigneHub.FunctionalTests.Media;

/// <summary>GET /v1/models and GET /v1/models/{id}, and the gRPC twin.</summary>
[Collection(HubCollection.Name)]
public sealed class ModelsTests(HubFixture hub)
{
    [Fact]
    public async Task The_list_has_the_demo_models_and_the_configured_providers_known_models_in_openai_shape()
    {
        var list = await GetJsonAsync(hub, "/v1/models");

        Assert.Equal("list", list.GetProperty("object").GetString());
        var models = list.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Contains("demo/echo", models.Keys);
        Assert.Contains("demo/embed", models.Keys);
        Assert.Contains("demo/image", models.Keys);
        Assert.Contains("openai/gpt-4o-mini", models.Keys);
        Assert.Contains("openai/text-embedding-3-small", models.Keys);
        var model = models["openai/text-embedding-3-small"];
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal("openai", model.GetProperty("owned_by").GetString());
        Assert.Equal("embedding", model.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Number, model.GetProperty("created").ValueKind);
        Assert.True(model.GetProperty("created").GetInt64() > 1_700_000_000);
    }

    [Theory]
    [InlineData("/v1/models/demo/echo", "demo/echo")]
    [InlineData("/v1/models/openai%2Fgpt-4o-mini", "openai/gpt-4o-mini")]
    public async Task One_model_is_found_by_its_id_with_or_without_an_escaped_slash(string path, string id)
    {
        var model = await GetJsonAsync(hub, path);

        Assert.Equal(id, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found()
    {
        using var response = await hub.Rest.GetAsync("/v1/models/nobody/nothing");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", document.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Grpc_clients_list_the_same_models()
    {
        var client = new Models.ModelsClient(hub.Grpc);

        var models = await client.ListModelsAsync(new ListModelsRequest());
        var one = await client.GetModelAsync(new GetModelRequest { Id = "demo/image" });

        Assert.Contains(models.Data, m => m.Id == "demo/echo" && m.Type == "chat");
        Assert.Equal("image", one.Type);
        Assert.Equal("demo", one.OwnedBy);
    }
}
