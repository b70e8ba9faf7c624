namespace AigneHub.Application.Providers;

/// <summary>A command that changes one registered provider's stream: which provider, at which version, by whom.</summary>
public interface IProviderChange
{
    string Provider { get; }

    int ExpectedVersion { get; }

    string Actor { get; }
}

/// <summary>A provider change aimed at one of its credentials.</summary>
public interface ICredentialChange : IProviderChange
{
    Guid CredentialId { get; }
}

/// <summary>The rules every <see cref="IProviderChange"/> obeys; each command's validator includes them.</summary>
internal sealed class ProviderChangeValidator : AbstractValidator<IProviderChange>
{
    public ProviderChangeValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.Actor).Actor();
    }
}

/// <summary>The rules of a <see cref="ProviderChangeValidator">provider change</see>, and a credential id.</summary>
internal sealed class CredentialChangeValidator : AbstractValidator<ICredentialChange>
{
    public CredentialChangeValidator()
    {
        Include(new ProviderChangeValidator());
        RuleFor(c => c.CredentialId).NotEmpty().OverridePropertyName("credential_id");
    }
}
