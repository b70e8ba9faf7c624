namespace AigneHub.Application.Embeddings.Commands.CreateEmbeddings;

/// <summary>OpenAI's limits for one embeddings request; property names are the wire names clients send.</summary>
internal sealed class CreateEmbeddingsCommandValidator : AbstractValidator<CreateEmbeddingsCommand>
{
    public const int MaxInputs = 2048;

    // OpenAI's models take 8,192 tokens per input; characters are a generous, provider-neutral bound on that.
    public const int MaxInputCharacters = 64 * 1024;

    public const int MaxDimensions = 8192;

    public CreateEmbeddingsCommandValidator()
    {
        RuleFor(x => x.Model)
            .NotEmpty().WithMessage("you must provide a model parameter")
            .Must(m => ModelName.TryParse(m, out _))
            .When(x => !string.IsNullOrEmpty(x.Model), ApplyConditionTo.CurrentValidator)
            .WithMessage(x => $"'{Truncate(x.Model)}' is not a valid model name: use \"provider/model\" (e.g. \"openai/text-embedding-3-small\") or a bare model name")
            .OverridePropertyName("model");

        RuleFor(x => x.Inputs)
            .NotEmpty().WithMessage("input must be a non-empty string or a non-empty array of strings")
            .Must(i => i.Count <= MaxInputs).WithMessage($"input may contain at most {MaxInputs} strings")
            .OverridePropertyName("input");

        RuleForEach(x => x.Inputs)
            .NotEmpty().WithMessage("input must not contain empty strings")
            .MaximumLength(MaxInputCharacters).WithMessage($"each input may have at most {MaxInputCharacters} characters")
            .OverridePropertyName("input");

        RuleFor(x => x.Dimensions)
            .InclusiveBetween(1, MaxDimensions)
            .When(x => x.Dimensions is not null)
            .WithMessage($"dimensions must be between 1 and {MaxDimensions}")
            .OverridePropertyName("dimensions");

        RuleFor(x => x.User).MaximumLength(256).OverridePropertyName("user");
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
