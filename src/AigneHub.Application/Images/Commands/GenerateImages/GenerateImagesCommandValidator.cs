using System.Text.RegularExpressions;

namespace AigneHub.Application.Images.Commands.GenerateImages;

/// <summary>OpenAI's limits for one image request; property names are the wire names clients send.</summary>
internal sealed partial class GenerateImagesCommandValidator : AbstractValidator<GenerateImagesCommand>
{
    public const int MaxImages = 10;

    public const int MaxPromptLength = 32000;

    private static readonly string[] Qualities = ["standard", "hd", "low", "medium", "high", "auto"];

    private static readonly string[] Styles = ["vivid", "natural"];

    public GenerateImagesCommandValidator()
    {
        RuleFor(x => x.Model)
            .NotEmpty().WithMessage("you must provide a model parameter")
            .Must(m => ModelName.TryParse(m, out _))
            .When(x => !string.IsNullOrEmpty(x.Model), ApplyConditionTo.CurrentValidator)
            .WithMessage("model is not a valid model name: use \"provider/model\" (e.g. \"openai/dall-e-3\") or a bare model name")
            .OverridePropertyName("model");

        RuleFor(x => x.Prompt)
            .NotEmpty().WithMessage("prompt must not be empty")
            .MaximumLength(MaxPromptLength).WithMessage($"prompt may have at most {MaxPromptLength} characters")
            .OverridePropertyName("prompt");

        RuleFor(x => x.N)
            .InclusiveBetween(1, MaxImages).WithMessage($"n must be between 1 and {MaxImages}")
            .OverridePropertyName("n");

        RuleFor(x => x.Size)
            .Must(s => s == "auto" || SizePattern().IsMatch(s!))
            .When(x => x.Size is not null)
            .WithMessage("size must be \"WIDTHxHEIGHT\" (e.g. \"1024x1024\") or \"auto\"")
            .OverridePropertyName("size");

        RuleFor(x => x.Quality)
            .Must(q => Qualities.Contains(q))
            .When(x => x.Quality is not null)
            .WithMessage($"quality must be one of {string.Join(", ", Qualities)}")
            .OverridePropertyName("quality");

        RuleFor(x => x.Style)
            .Must(s => Styles.Contains(s))
            .When(x => x.Style is not null)
            .WithMessage($"style must be one of {string.Join(", ", Styles)}")
            .OverridePropertyName("style");

        RuleFor(x => x.ResponseFormat)
            .Must(f => f is GenerateImagesCommand.Base64Format or GenerateImagesCommand.UrlFormat)
            .WithMessage("response_format must be \"b64_json\" or \"url\"")
            .OverridePropertyName("response_format");

        RuleFor(x => x.User).MaximumLength(256).OverridePropertyName("user");
    }

    /// <summary>"WIDTHxHEIGHT", as the edit request's size uses it too.</summary>
    public static bool IsSize(string size) => SizePattern().IsMatch(size);

    [GeneratedRegex(@"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
