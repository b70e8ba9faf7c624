using AigneHub.Application.Images.Commands.GenerateImages;

namespace AigneHub.Application.Images.Commands.EditImages;

/// <summary>OpenAI's limits for one edit request; property names are the wire names clients send.</summary>
internal sealed class EditImagesCommandValidator : AbstractValidator<EditImagesCommand>
{
    /// <summary>gpt-image models take up to 16 images.</summary>
    public const int MaxInputImages = 16;

    public EditImagesCommandValidator()
    {
        RuleFor(x => x.Model)
            .NotEmpty().WithMessage("you must provide a model parameter")
            .Must(m => ModelName.TryParse(m, out _))
            .When(x => !string.IsNullOrEmpty(x.Model), ApplyConditionTo.CurrentValidator)
            .WithMessage("model is not a valid model name: use \"provider/model\" (e.g. \"openai/gpt-image-1\") or a bare model name")
            .OverridePropertyName("model");

        RuleFor(x => x.Images)
            .NotEmpty().WithMessage("image is required: upload the image to edit as the 'image' file (or several as 'image[]')")
            .Must(images => images.Count <= MaxInputImages).WithMessage($"at most {MaxInputImages} images may be edited at once")
            .OverridePropertyName("image");
        RuleForEach(x => x.Images)
            .Must(image => image.Content.Length > 0).WithMessage("an uploaded image is empty")
            .OverridePropertyName("image");
        RuleFor(x => x.Mask)
            .Must(mask => mask!.Content.Length > 0).When(x => x.Mask is not null).WithMessage("the mask is empty")
            .OverridePropertyName("mask");

        RuleFor(x => x.Prompt)
            .NotEmpty().WithMessage("prompt must not be empty")
            .MaximumLength(GenerateImagesCommandValidator.MaxPromptLength).WithMessage($"prompt may have at most {GenerateImagesCommandValidator.MaxPromptLength} characters")
            .OverridePropertyName("prompt");

        RuleFor(x => x.N)
            .InclusiveBetween(1, GenerateImagesCommandValidator.MaxImages).WithMessage($"n must be between 1 and {GenerateImagesCommandValidator.MaxImages}")
            .OverridePropertyName("n");

        RuleFor(x => x.Size)
            .Must(s => s == "auto" || GenerateImagesCommandValidator.IsSize(s!))
            .When(x => x.Size is not null)
            .WithMessage("size must be \"WIDTHxHEIGHT\" (e.g. \"1024x1024\") or \"auto\"")
            .OverridePropertyName("size");

        RuleFor(x => x.ResponseFormat)
            .Must(f => f is GenerateImagesCommand.Base64Format or GenerateImagesCommand.UrlFormat)
            .WithMessage("response_format must be \"b64_json\" or \"url\"")
            .OverridePropertyName("response_format");

        RuleFor(x => x.User).MaximumLength(256).OverridePropertyName("user");
    }
}
