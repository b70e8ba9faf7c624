namespace AigneHub.Application.Models.Queries.ListModelCatalogue;

internal sealed class ListModelCatalogueQueryValidator : AbstractValidator<ListModelCatalogueQuery>
{
    public ListModelCatalogueQueryValidator()
    {
        RuleFor(q => q.Type)
            .Must(t => t is ListModelCatalogueQuery.Chat or ListModelCatalogueQuery.Image or ListModelCatalogueQuery.Embedding)
            .When(q => !string.IsNullOrEmpty(q.Type))
            .WithMessage(q => $"'{(q.Type!.Length <= 64 ? q.Type : q.Type[..64])}' is not one of ['chat', 'image', 'embedding']")
            .OverridePropertyName("type");
    }
}
