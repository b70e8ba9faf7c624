using AigneHub.Application.Images;

namespace AigneHub.Application.Images.Commands.GenerateImages;

internal sealed class GenerateImagesCommandHandler(ImageCalls images) : ICommandHandler<GenerateImagesCommand, GeneratedImages>
{
    public async ValueTask<GeneratedImages> Handle(GenerateImagesCommand command, CancellationToken cancellationToken) =>
        await images.RunAsync(
            new ImageCall(command.RequestId, command.Model, command.Prompt, command.N, command.Delivery),
            static (c, name) => c.ResolveImages(name),
            (p, model, ct) => p.GenerateAsync(new ProviderImageRequest(model, command.Prompt, command.N, command.Size, command.Quality, command.Style, command.User), ct),
            "image generation",
            cancellationToken);
}
