using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.FunctionalTests.Clients;
using AigneHub.Tests.Shared;
using AigneHub.TestUpstreams;
using Google.Protobuf;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Media;

/// <summary>POST /v1/images/edits and its gRPC twin: the uploads reach OpenAI's edit endpoint byte for byte.</summary>
[Collection(HubCollection.Name)]
public sealed class ImageEditsTests(HubFixture hub)
{
    [Fact]
    public async Task Official_openai_npm_client_edits_an_image_and_the_upstream_receives_its_uploads_byte_for_byte()
    {
        hub.Upstream.Reset();

        var run = await NodeSuites.RunAsync("openai", ["openai-sdk-edits.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_URL"] = hub.RestUri.ToString().TrimEnd('/'),
            ["HUB_API_KEY"] = TestAccess.OwnerKey,
        });

        Assert.True(run.ExitCode == 0, "openai-sdk-edits.test.mjs failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
        var parts = hub.Upstream.LastImageEditParts;
        var image = Assert.Single(parts, p => p.Name == "image");
        var mask = Assert.Single(parts, p => p.Name == "mask");
        Assert.Equal(Pattern(5000, 7), image.Content);
        Assert.Equal(Pattern(3000, 11), mask.Content);
        Assert.Equal(("photo.png", "image/png", "mask.png"), (image.FileName, image.ContentType, mask.FileName));
        Assert.Equal(("gpt-image-1", "add a red hat", "2", "1024x1024"), (Field(parts, "model"), Field(parts, "prompt"), Field(parts, "n"), Field(parts, "size")));
        // gpt-image models always answer base64 and refuse response_format.
        Assert.Null(Field(parts, "response_format"));
    }

    [Fact]
    public async Task Several_images_go_upstream_as_image_array_parts_in_order_and_the_call_is_recorded()
    {
        hub.Upstream.Reset();
        using var form = new MultipartFormDataContent
        {
            { File(Pattern(700, 3), "image/png"), "image[]", "first.png" },
            { File(Pattern(900, 5), "image/webp"), "image[]", "second.webp" },
            { new StringContent("openai/gpt-image-1"), "model" },
            { new StringContent("merge them"), "prompt" },
            { new StringContent("b64_json"), "response_format" },
        };

        using var response = await hub.Rest.PostAsync("/v1/images/edits", form);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray());
        var images = hub.Upstream.LastImageEditParts.Where(p => p.Name == "image[]").ToList();
        Assert.Equal([Pattern(700, 3), Pattern(900, 5)], images.Select(p => p.Content));
        Assert.Equal(["first.png", "second.webp"], images.Select(p => p.FileName));
        var record = await hub.WaitForCallRecordAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(("image", 1, "openai"), (record.GetProperty("call_type").GetString(), record.GetProperty("images").GetInt32(), record.GetProperty("provider").GetString()));
    }

    [Fact]
    public async Task A_model_whose_provider_only_generates_is_refused_with_400_naming_the_model()
    {
        using var form = new MultipartFormDataContent
        {
            { File(Pattern(100, 1), "image/png"), "image", "a.png" },
            { new StringContent("openai/dall-e-3"), "model" },
            { new StringContent("edit me"), "prompt" },
        };

        using var response = await hub.Rest.PostAsync("/v1/images/edits", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("cannot edit images", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_without_an_image_is_refused_naming_the_image_field()
    {
        using var form = new MultipartFormDataContent { { new StringContent("openai/gpt-image-1"), "model" }, { new StringContent("x"), "prompt" } };

        using var response = await hub.Rest.PostAsync("/v1/images/edits", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("image", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_grpc_twin_sends_the_same_bytes_upstream()
    {
        hub.Upstream.Reset();
        var request = new EditImagesRequest { Model = "openai/dall-e-2", Prompt = "over grpc", ResponseFormat = "b64_json" };
        request.Image.Add(new InputImage { Data = ByteString.CopyFrom(Pattern(1200, 9)), Filename = "grpc.png", MediaType = "image/png" });

        var response = await new Images.ImagesClient(hub.Grpc).EditImagesAsync(request);

        Assert.Single(response.Data);
        var image = Assert.Single(hub.Upstream.LastImageEditParts, p => p.Name == "image");
        Assert.Equal(Pattern(1200, 9), image.Content);
        Assert.Equal("b64_json", Field(hub.Upstream.LastImageEditParts, "response_format"));
    }

    [Fact]
    public async Task The_grpc_twin_refuses_a_model_that_cannot_edit_with_invalid_argument()
    {
        var request = new EditImagesRequest { Model = "openai/dall-e-3", Prompt = "x" };
        request.Image.Add(new InputImage { Data = ByteString.CopyFrom(Pattern(10, 1)) });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await new Images.ImagesClient(hub.Grpc).EditImagesAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    /// <summary>The bytes the SDK suite uploads: a PNG signature, then a pattern through every byte value.</summary>
    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        byte[] signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
        signature.CopyTo(bytes, 0);
        for (var i = 8; i < length; i++)
        {
            bytes[i] = (byte)(((i * 31) + seed) % 256);
        }

        return bytes;
    }

    private static ByteArrayContent File(byte[] content, string mediaType)
    {
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return part;
    }

    private static string? Field(IReadOnlyList<FormPart> parts, string name) => parts.FirstOrDefault(p => p.Name == name && p.FileName is null)?.Text;
}
