namespace AigneHub.Application.Images.Queries.GetStoredImage;

internal sealed class GetStoredImageQueryValidator : AbstractValidator<GetStoredImageQuery>
{
    public GetStoredImageQueryValidator() =>
        RuleFor(q => q.Id).NotEmpty().WithMessage("the image id must not be empty").OverridePropertyName("id");
}
