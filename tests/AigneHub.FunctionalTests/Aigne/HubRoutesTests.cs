using System.Net;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Aigne;

/// <summary>
/// The Hub service's transcoded REST routes (/api/hub/...): the same answers as the AIGNE-native reads, in proto3
/// JSON, with google.rpc.Status errors naming the field.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class HubRoutesTests(HubFixture hub)
{
    [Theory]
    [InlineData("", true)]
    [InlineData("?model=demo/echo", true)]
    [InlineData("?model=demo/no-such-model", false)]
    public async Task Status_says_whether_the_hub_or_a_model_is_available(string query, bool available)
    {
        using var json = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/hub/status" + query));

        Assert.Equal(available, json.RootElement.GetProperty("available").GetBoolean());
        Assert.Equal(available, !json.RootElement.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_malformed_model_name_is_a_400_naming_the_model_field()
    {
        using var response = await hub.Rest.GetAsync("/api/hub/status?model=two%20words");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model", FieldViolation(await response.Content.ReadAsStringAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task User_info_names_the_caller_and_has_no_credit_balance_in_enterprise_mode()
    {
        using var json = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/hub/user"));

        var root = json.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("user").GetProperty("did").GetString()));
        Assert.Equal("owner", root.GetProperty("user").GetProperty("role").GetString());
        Assert.False(root.TryGetProperty("creditBalance", out var balance) && balance.ValueKind != JsonValueKind.Null);
        Assert.False(root.GetProperty("enableCredit").GetBoolean());
    }

    [Fact]
    public async Task User_info_without_a_key_is_a_401()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);

        using var response = await anonymous.GetAsync("/api/hub/user");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_model_catalogue_needs_no_key_and_lists_the_demo_chat_models_with_rate_strings()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);

        using var json = JsonDocument.Parse(await anonymous.GetStringAsync("/api/hub/models?type=chat"));

        var models = json.RootElement.GetProperty("models").EnumerateArray().ToList();
        var echo = models.Single(m => m.GetProperty("provider").GetString() == "demo" && m.GetProperty("model").GetString() == "echo");
        Assert.Equal("Demo (built in)", echo.GetProperty("providerDisplayName").GetString());
        Assert.Equal(JsonValueKind.String, echo.GetProperty("input_credits_per_token").ValueKind);
        Assert.Equal(JsonValueKind.String, echo.GetProperty("output_credits_per_token").ValueKind);
        Assert.True(echo.GetProperty("status").GetProperty("available").GetBoolean());
        Assert.All(models, m => Assert.Equal("chat", m.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task An_unknown_model_type_is_a_400_naming_the_type_field()
    {
        using var response = await hub.Rest.GetAsync("/api/hub/models?type=audio");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var violation = FieldViolation(await response.Content.ReadAsStringAsync());
        Assert.Equal("type", violation.GetProperty("field").GetString());
        Assert.Equal("'audio' is not one of ['chat', 'image', 'embedding']", violation.GetProperty("description").GetString());
    }

    /// <summary>The one field violation of a google.rpc.Status body's BadRequest detail.</summary>
    private static JsonElement FieldViolation(string body)
    {
        using var json = JsonDocument.Parse(body);
        Assert.Equal(3, json.RootElement.GetProperty("code").GetInt32());
        var badRequest = json.RootElement.GetProperty("details").EnumerateArray()
            .Single(d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.BadRequest");
        return badRequest.GetProperty("fieldViolations").EnumerateArray().Single().Clone();
    }
}
