using AigneHub.Application.Images;

namespace AigneHub.Application.Images.Commands.EditImages;

/// <summary>
/// An image edit goes the way of a generation (<see cref="ImageCalls"/>: same access policy, hold, failover, call
/// record, delivery) to the providers of the model that can edit with it; a model whose providers can only generate is
/// refused with 400 before anything is held.
/// </summary>
internal sealed class EditImagesCommandHandler(ImageCalls images) : ICommandHandler<EditImagesCommand, GeneratedImages>
{
    public async ValueTask<GeneratedImages> Handle(EditImagesCommand command, CancellationToken cancellationToken) =>
        await images.RunAsync(
            new ImageCall(command.RequestId, command.Model, command.Prompt, command.N, command.Delivery, command.Images.Count + (command.Mask is null ? 0 : 1)),
            (catalog, name) => Editors(catalog, name, command.Model),
            (p, model, ct) => p.EditAsync(new ProviderImageEditRequest(model, command.Images, command.Mask, command.Prompt, command.N, command.Size, command.Quality, command.User), ct),
            "image editing",
            cancellationToken);

    private static IReadOnlyList<IImageEditor> Editors(IProviderCatalog catalog, ModelName name, string requested)
    {
        var providers = catalog.ResolveImages(name);
        var editors = providers.OfType<IImageEditor>().Where(e => e.CanEdit(name.Model)).ToArray();
        if (editors.Length == 0 && providers.Count > 0)
        {
            throw new RequestValidationException([new FieldViolation(
                "model", $"The model '{requested}' cannot edit images on this hub: its provider's API only generates them. Use an OpenAI image model (gpt-image-1, dall-e-2) or a Gemini image model.")]);
        }

        return editors;
    }
}
