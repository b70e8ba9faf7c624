namespace AigneHub.Application.Providers.Queries.GetProvider;

internal sealed class GetProviderQueryValidator : AbstractValidator<GetProviderQuery>
{
    public GetProviderQueryValidator() => RuleFor(q => q.Provider).KnownProvider().OverridePropertyName("provider");
}
