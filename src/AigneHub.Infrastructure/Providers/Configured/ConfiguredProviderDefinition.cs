namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>A provider that can be set up from configuration: its section and its profile.</summary>
/// <param name="SectionName">The name under "Providers" as documented ("DeepSeek"); configuration keys ignore case.</param>
internal sealed record ConfiguredProviderDefinition(string SectionName, ProviderProfile Profile)
{
    public string Provider => Profile.Provider;

    /// <summary>The section path, e.g. "Providers:DeepSeek".</summary>
    public string Section => "Providers:" + SectionName;

    /// <summary>The id of the credential built from this section: it names the key in logs and call records.</summary>
    public string CredentialId => "config:" + Provider;
}
