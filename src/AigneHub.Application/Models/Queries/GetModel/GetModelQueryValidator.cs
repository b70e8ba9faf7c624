namespace AigneHub.Application.Models.Queries.GetModel;

internal sealed class GetModelQueryValidator : AbstractValidator<GetModelQuery>
{
    public GetModelQueryValidator()
    {
        RuleFor(q => q.Id)
            .NotEmpty().WithMessage("the model id must not be empty")
            .MaximumLength(256).WithMessage("the model id may have at most 256 characters")
            .OverridePropertyName("model");
    }
}
