namespace AigneHub.Application.Caching.Commands.PurgeResponseCache;

internal sealed class PurgeResponseCacheCommandValidator : AbstractValidator<PurgeResponseCacheCommand>
{
    public PurgeResponseCacheCommandValidator()
    {
        RuleFor(c => c.Scope)
            .Must(scope => scope is null || scope == "hub" || ((scope.StartsWith("user:", StringComparison.Ordinal) || scope.StartsWith("app:", StringComparison.Ordinal)) && !scope.EndsWith(':')))
            .WithMessage("scope must be 'hub', 'user:<user id>' or 'app:<app id>'.")
            .OverridePropertyName("scope");
        RuleFor(c => c.Model).MaximumLength(256).OverridePropertyName("model");
    }
}
