using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Images;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Media;

/// <summary>Image edits on Gemini's image models (generateContent with inline images), against a fake that checks the wire form.</summary>
public sealed class GeminiImageEditTests : IAsyncLifetime
{
    private MediaAdapterHarness _harness = null!;

    public Task InitializeAsync()
    {
        _harness = MediaAdapterHarness.Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private IImageEditAdapter Editor => (IImageEditAdapter)_harness.Images(GeminiImagenAdapter.ProtocolName);

    [Fact]
    public void Only_gemini_image_models_can_edit()
    {
        Assert.True(Editor.CanEdit("google", "gemini-2.5-flash-image"));
        Assert.False(Editor.CanEdit("google", "imagen-4.0-generate-001"));
        Assert.False(Editor.CanEdit("google", "gemini-2.5-flash"));
    }

    [Fact]
    public async Task An_edit_sends_the_prompt_and_the_images_inline_and_asks_for_an_image_back_once_per_image_wanted()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        byte[] photo = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255];
        var request = new ProviderImageEditRequest("gemini-2.5-flash-image", [new InputImage(photo, "photo.png", "image/png")], null, "add a hat", 2, null, null, null);

        var result = await Editor.EditAsync(Target(gemini), request, CancellationToken.None);

        Assert.Equal("/v1beta/models/gemini-2.5-flash-image:generateContent", gemini.LastRequest.Path);
        Assert.Equal(2, gemini.Requests.Count);
        using var sent = JsonDocument.Parse(gemini.LastRequest.Body);
        var parts = sent.RootElement.GetProperty("contents")[0].GetProperty("parts");
        Assert.Equal("add a hat", parts[0].GetProperty("text").GetString());
        Assert.Equal(photo, parts[1].GetProperty("inlineData").GetProperty("data").GetBytesFromBase64());
        Assert.Equal("image/png", parts[1].GetProperty("inlineData").GetProperty("mimeType").GetString());
        Assert.Equal(["TEXT", "IMAGE"], sent.RootElement.GetProperty("generationConfig").GetProperty("responseModalities").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(2, result.Images.Count);
        Assert.Equal("google/gemini-2.5-flash-image", result.Model);
        Assert.Equal(2 * 1290, result.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_gemini_image_model_generates_through_generate_content_too()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();

        var result = await _harness.Images(GeminiImagenAdapter.ProtocolName).GenerateAsync(
            Target(gemini), new ProviderImageRequest("gemini-2.5-flash-image", "a lighthouse", 1, null, null, null, null), CancellationToken.None);

        Assert.Equal("/v1beta/models/gemini-2.5-flash-image:generateContent", gemini.LastRequest.Path);
        using var sent = JsonDocument.Parse(gemini.LastRequest.Body);
        Assert.Single(sent.RootElement.GetProperty("contents")[0].GetProperty("parts").EnumerateArray());
        Assert.Single(result.Images);
    }

    [Fact]
    public async Task A_mask_is_refused_naming_it_before_anything_is_sent()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        var image = new InputImage([1, 2, 3], "a.png", "image/png");

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() =>
            Editor.EditAsync(Target(gemini), new ProviderImageEditRequest("gemini-2.5-flash-image", [image], image, "x", 1, null, null, null), CancellationToken.None));

        Assert.Equal("mask", Assert.Single(refused.Violations).Field);
        Assert.Empty(gemini.Requests);
    }

    private static ProviderTarget Target(FakeGeminiUpstream gemini) =>
        new("google", new Uri(gemini.BaseUrl), null, ProviderCredential.ForApiKey("cred-g", "AIza-test-edits-0123456789"));
}
