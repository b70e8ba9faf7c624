namespace AigneHub.Application.Providers.Queries.GetHubStatus;

internal sealed class GetHubStatusQueryValidator : AbstractValidator<GetHubStatusQuery>
{
    public GetHubStatusQueryValidator()
    {
        RuleFor(q => q.Model)
            .Must(m => ModelName.TryParse(m, out _))
            .When(q => !string.IsNullOrEmpty(q.Model))
            .WithMessage(q => $"'{Truncate(q.Model!)}' is not a valid model name: use \"provider/model\" (e.g. \"demo/echo\") or a bare model name")
            .OverridePropertyName("model");
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
