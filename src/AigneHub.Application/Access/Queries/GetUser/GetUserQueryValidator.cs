namespace AigneHub.Application.Access.Queries.GetUser;

internal sealed class GetUserQueryValidator : AbstractValidator<GetUserQuery>
{
    public GetUserQueryValidator()
    {
        RuleFor(q => q.UserId).NotEmpty().MaximumLength(256).OverridePropertyName("user_id");
    }
}
