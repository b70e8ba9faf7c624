using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Aigne;

/// <summary>The AIGNE-native routes as the AIGNE client and CLI see them: discovery, availability, chat and its errors.</summary>
[Collection(HubCollection.Name)]
public sealed class AigneSurfaceTests(HubFixture hub)
{
    [Fact]
    public async Task The_blocklet_description_names_the_hub_component_mount_point()
    {
        using var json = JsonDocument.Parse(await hub.Rest.GetStringAsync("/__blocklet__.js?type=json"));

        var mount = json.RootElement.GetProperty("componentMountPoints").EnumerateArray()
            .Single(m => m.GetProperty("did").GetString() == "z8ia3xzq2tMq8CRHfaXj1BTYJyYnEcHbqP8cJ");
        Assert.Equal("/", mount.GetProperty("mountPoint").GetString());
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("?model=demo/echo", true)]
    [InlineData("?model=demo/no-such-model", false)]
    public async Task Status_says_whether_the_hub_or_a_model_is_available(string query, bool available)
    {
        using var json = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/v2/status" + query));

        Assert.Equal(available, json.RootElement.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Status_answers_a_malformed_model_name_as_an_unavailable_model_with_200()
    {
        using var response = await hub.Rest.GetAsync("/api/v2/status?model=two%20words");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.GetProperty("available").GetBoolean());
        Assert.Equal("'two words' is not a valid model name", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_model_catalogue_refuses_an_unknown_type_in_AIGNE_error_shape_naming_type()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };

        using var response = await anonymous.GetAsync("/api/ai/models?type=audio");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("'audio' is not one of ['chat', 'image', 'embedding']", error.GetProperty("message").GetString());
        Assert.Equal("type", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_bad_request_is_answered_in_AIGNE_error_shape_naming_the_field()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/v2/chat", new
        {
            input = new { messages = new[] { new { role = "assistant", content = "hi" } }, modelOptions = new { model = "demo/echo" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Contains("'assistant' is not one of", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("input.messages[0].role", error.GetProperty("param").GetString());
        Assert.True(DateTimeOffset.TryParse(error.GetProperty("timestamp").GetString(), out _));
    }

    [Fact]
    public async Task Malformed_json_is_a_400_in_AIGNE_error_shape()
    {
        using var response = await hub.Rest.PostAsync("/api/v2/chat", new StringContent("{\"input\":", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("We could not parse the JSON body of your request. The body is not valid JSON (line 1, column 10).", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modelOptions\":{\"model\":\"demo/echo\"}},\"options\":{\"streaming\":\"yes\"}}", "options.streaming")]
    [InlineData("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modelOptions\":{\"model\":\"demo/echo\"}},\"options\":true}", "options")]
    [InlineData("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modelOptions\":{\"model\":\"demo/echo\",\"parallelToolCalls\":1}}}", "input.modelOptions.parallelToolCalls")]
    public async Task An_option_of_the_wrong_type_is_refused_naming_it_rather_than_ignored(string body, string param)
    {
        using var response = await hub.Rest.PostAsync("/api/v2/chat", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task An_image_count_that_is_not_a_whole_number_is_refused_naming_it_and_two_images_are_two()
    {
        using var refused = await hub.Rest.PostAsJsonAsync("/api/v2/image", new { input = new { prompt = "a lighthouse", n = "2", modelOptions = new { model = "demo/image" } } });
        using var two = await hub.Rest.PostAsJsonAsync("/api/v2/image", new { input = new { prompt = "a lighthouse", n = 2, modelOptions = new { model = "demo/image" } } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("input.n", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        using var images = JsonDocument.Parse(await two.Content.ReadAsStringAsync());
        Assert.Equal(2, images.RootElement.GetProperty("images").GetArrayLength());
    }

    [Fact]
    public async Task A_streamed_chat_is_SSE_deltas_ending_with_usage_and_no_done_marker()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/v2/chat", new
        {
            input = new { messages = new[] { new { role = "user", content = "two words" } }, modelOptions = new { model = "demo/echo" } },
            options = new { streaming = true },
        });

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: {\"delta\":{\"text\":{\"text\":\"two\"}}}", events[0]);
        Assert.Equal("data: {\"delta\":{\"text\":{\"text\":\" words\"}}}", events[1]);
        Assert.Equal(
            "data: {\"delta\":{\"json\":{\"model\":\"demo/echo\",\"modelWithProvider\":\"demo/echo\",\"usage\":{\"inputTokens\":2,\"outputTokens\":2}}}}",
            events[2]);
        Assert.Equal(3, events.Length);
    }

    [Fact]
    public async Task Json_mode_answers_the_parsed_object_in_json()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/v2/chat", new
        {
            input = new
            {
                messages = new[] { new { role = "user", content = "structured please" } },
                modelOptions = new { model = "demo/echo" },
                responseFormat = new { type = "json_schema", jsonSchema = new { name = "echo", schema = new { type = "object" } } },
            },
        });

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("structured please", json.RootElement.GetProperty("json").GetProperty("echo").GetString());
        Assert.False(json.RootElement.TryGetProperty("text", out _));
    }

    [Fact]
    public async Task User_info_names_the_caller_and_has_no_credit_balance_in_enterprise_mode()
    {
        using var json = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/user/info"));

        var root = json.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("user").GetProperty("did").GetString()));
        Assert.Equal("owner", root.GetProperty("user").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("creditBalance").ValueKind);
        Assert.False(root.GetProperty("enableCredit").GetBoolean());
    }

    [Fact]
    public async Task User_info_without_a_key_is_a_401()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };

        using var response = await anonymous.GetAsync("/api/user/info");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_model_catalogue_shows_each_models_current_rate_as_decimal_strings()
    {
        using var set = await hub.Rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "embedding",
            provider = "demo",
            model = "embed",
            input_rate = "0.25",
            output_rate = "0",
        });
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());

        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };
        using var json = JsonDocument.Parse(await anonymous.GetStringAsync("/api/ai/models?type=embedding"));

        var embed = json.RootElement.EnumerateArray().Single(m => m.GetProperty("provider").GetString() == "demo" && m.GetProperty("model").GetString() == "embed");
        Assert.Equal("0.25", embed.GetProperty("input_credits_per_token").GetString());
        Assert.Equal("0", embed.GetProperty("output_credits_per_token").GetString());
        Assert.All(json.RootElement.EnumerateArray(), m => Assert.Equal("embedding", m.GetProperty("type").GetString()));
    }
}
