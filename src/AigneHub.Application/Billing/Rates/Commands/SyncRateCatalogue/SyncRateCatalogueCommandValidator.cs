namespace AigneHub.Application.Billing.Rates.Commands.SyncRateCatalogue;

internal sealed class SyncRateCatalogueCommandValidator : AbstractValidator<SyncRateCatalogueCommand>
{
    public SyncRateCatalogueCommandValidator() => RuleFor(c => c.Actor).Actor();
}
