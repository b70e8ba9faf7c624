namespace AigneHub.Application.Billing.Settings.Commands.UpdateBillingSettings;

internal sealed class UpdateBillingSettingsCommandValidator : AbstractValidator<UpdateBillingSettingsCommand>
{
    public UpdateBillingSettingsCommandValidator()
    {
        RuleFor(c => c.ExpectedVersion).GreaterThanOrEqualTo(0).OverridePropertyName("expected_version")
            .WithMessage("expected_version must be the version you last read (0 before the first change)");
        RuleFor(c => c.Values.PaymentLink)
            .Must(link => link is null || (Uri.TryCreate(link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
            .OverridePropertyName("payment_link")
            .WithMessage("payment_link must be an absolute http(s) URL");
        RuleFor(c => c.Values.Mode).IsInEnum().OverridePropertyName("mode");
        RuleFor(c => c.Actor).Actor();
    }
}
