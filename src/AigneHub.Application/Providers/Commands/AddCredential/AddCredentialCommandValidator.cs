namespace AigneHub.Application.Providers.Commands.AddCredential;

internal sealed class AddCredentialCommandValidator : AbstractValidator<AddCredentialCommand>
{
    public AddCredentialCommandValidator()
    {
        Include(new ProviderChangeValidator());
        RuleFor(c => c.Name).NotEmpty().MaximumLength(100).Matches("^[A-Za-z0-9 ._-]+$")
            .WithMessage("name may contain letters, digits, spaces, '.', '_' and '-'").OverridePropertyName("name");
        RuleFor(c => c.Weight).InclusiveBetween(1, 1000).OverridePropertyName("weight");

        // Whatever the provider, a secret is sent upstream in a header (or signs one): never a control character.
        RuleFor(c => c.ApiKey).SentUpstream("api_key", UpstreamValues.MaxApiKeyLength).Must(IsAscii).WithMessage(NotAscii("api_key")).OverridePropertyName("api_key");
        RuleFor(c => c.AccessKeyId).SentUpstream("access_key_id", UpstreamValues.MaxAccessKeyIdLength).Must(IsAscii).WithMessage(NotAscii("access_key_id")).OverridePropertyName("access_key_id");
        RuleFor(c => c.SecretAccessKey).SentUpstream("secret_access_key", UpstreamValues.MaxSecretAccessKeyLength).Must(IsAscii).WithMessage(NotAscii("secret_access_key")).OverridePropertyName("secret_access_key");

        When(c => c.Provider == ProviderNames.Bedrock, () =>
        {
            // \z, not $: in .NET $ also matches before a final newline.
            RuleFor(c => c.AccessKeyId).NotEmpty().WithMessage("bedrock needs access_key_id")
                .Matches("^[A-Z0-9]{16,128}\\z").WithMessage("access_key_id must be an AWS access key id (upper-case letters and digits)")
                .OverridePropertyName("access_key_id");
            RuleFor(c => c.SecretAccessKey).NotEmpty().WithMessage("bedrock needs secret_access_key")
                .OverridePropertyName("secret_access_key");
            RuleFor(c => c.ApiKey).Empty().WithMessage("bedrock takes an access key pair, not api_key").OverridePropertyName("api_key");
        }).Otherwise(() =>
        {
            RuleFor(c => c.ApiKey).NotEmpty().WithMessage(c => $"{c.Provider} needs api_key")
                .Must(k => k is null || k.Trim() == k).WithMessage("api_key must not start or end with whitespace")
                .OverridePropertyName("api_key");
            RuleFor(c => c.AccessKeyId).Empty().WithMessage(c => $"{c.Provider} takes api_key, not an access key pair").OverridePropertyName("access_key_id");
            RuleFor(c => c.SecretAccessKey).Empty().WithMessage(c => $"{c.Provider} takes api_key, not an access key pair").OverridePropertyName("secret_access_key");
        });
    }

    /// <summary>Secrets travel in request headers (or sign them), which carry ASCII only: a key with other characters could never be sent.</summary>
    private static bool IsAscii(string? value) => value is null || System.Text.Ascii.IsValid(value);

    private static string NotAscii(string field) => $"{field} must be ASCII: it is sent to the provider in a request header, which carries no other characters";
}
