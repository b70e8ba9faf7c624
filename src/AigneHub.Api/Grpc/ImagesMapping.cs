using AigneHub.Application.Images.Commands.EditImages;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Images;

namespace AigneHub.Api.Grpc;

/// <summary>OpenAI's image generation request and response; stored images become links under the hub's own address.</summary>
internal static class ImagesMapping
{
    /// <summary>Where the hub serves a stored image, relative to its REST root.</summary>
    public const string FilesPath = "/v1/images/files/";

    public static GenerateImagesCommand ToCommand(V1.GenerateImagesRequest request, string requestId) => new(
        requestId,
        request.Model,
        request.Prompt,
        request.HasN ? request.N : 1,
        request.HasSize ? request.Size : null,
        request.HasQuality ? request.Quality : null,
        request.HasStyle ? request.Style : null,
        string.IsNullOrEmpty(request.ResponseFormat) ? GenerateImagesCommand.UrlFormat : request.ResponseFormat,
        string.IsNullOrEmpty(request.User) ? null : request.User);

    public static EditImagesCommand ToCommand(V1.EditImagesRequest request, string requestId) => new(
        requestId,
        request.Model,
        request.Image.Select(ToInput).ToArray(),
        request.Mask is { } mask ? ToInput(mask) : null,
        request.Prompt,
        request.HasN ? request.N : 1,
        request.HasSize ? request.Size : null,
        request.HasQuality ? request.Quality : null,
        string.IsNullOrEmpty(request.ResponseFormat) ? GenerateImagesCommand.UrlFormat : request.ResponseFormat,
        string.IsNullOrEmpty(request.User) ? null : request.User);

    private static InputImage ToInput(V1.InputImage image) => new(
        image.Data.ToByteArray(),
        string.IsNullOrEmpty(image.Filename) ? "image.png" : image.Filename,
        string.IsNullOrEmpty(image.MediaType) ? "image/png" : image.MediaType);

    /// <param name="restRoot">The hub's REST root that image links point at.</param>
    public static V1.GenerateImagesResponse ToResponse(GeneratedImages images, Uri restRoot)
    {
        var response = new V1.GenerateImagesResponse { Created = images.Created.ToUnixTimeSeconds() };
        foreach (var image in images.Images)
        {
            var data = new V1.ImageData();
            if (image.Content is { } content)
            {
                data.B64Json = Convert.ToBase64String(content);
            }
            else if (image.StoredImageId is { } id)
            {
                data.Url = new Uri(restRoot, FilesPath + id.ToString("N")).AbsoluteUri;
            }
            else if (image.ExternalUrl is { } url)
            {
                data.Url = url;
            }

            if (image.RevisedPrompt is { } revised)
            {
                data.RevisedPrompt = revised;
            }

            response.Data.Add(data);
        }

        if (images.Usage.TotalTokens > 0)
        {
            response.Usage = new V1.ImageUsage
            {
                InputTokens = images.Usage.PromptTokens,
                OutputTokens = images.Usage.CompletionTokens,
                TotalTokens = images.Usage.TotalTokens,
            };
        }

        return response;
    }
}
