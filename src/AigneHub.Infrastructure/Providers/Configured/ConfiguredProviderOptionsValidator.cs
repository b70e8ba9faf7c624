using AigneHub.Application.Providers;

namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// Start-up validation of every configured provider (one named <see cref="ConfiguredProviderOptions"/> each), reporting
/// every problem at once, naming the key and never quoting a secret. A provider that is off is not checked. The key
/// and base URL follow the rule for every value sent upstream (<see cref="UpstreamValues"/>).
/// </summary>
internal sealed class ConfiguredProviderOptionsValidator(IReadOnlyList<ConfiguredProviderDefinition> definitions)
    : IValidateOptions<ConfiguredProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, ConfiguredProviderOptions options)
    {
        var definition = definitions.FirstOrDefault(d => d.Provider == name);
        if (definition is null)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = Validate(definition, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static IReadOnlyList<string> Validate(ConfiguredProviderDefinition definition, ConfiguredProviderOptions options)
    {
        var profile = definition.Profile;
        if (!options.IsEnabled(profile))
        {
            return [];
        }

        var section = definition.Section;
        var failures = new List<string>();
        if (!options.HasBaseUrl && profile.DefaultBaseUrl is null)
        {
            failures.Add($"{section}:BaseUrl is required when the provider is enabled: {definition.Provider} has no default base URL.");
        }
        else if (options.HasBaseUrl && !UpstreamValues.IsSendable(options.BaseUrl!.Trim(), UpstreamValues.MaxBaseUrlLength))
        {
            failures.Add($"{section}:BaseUrl must not contain control characters (such as CR, LF or NUL) and must be at most {UpstreamValues.MaxBaseUrlLength} characters.");
        }
        else if (options.ResolveBaseUrl(profile) is null)
        {
            failures.Add($"{section}:BaseUrl must be an absolute http or https URL.");
        }

        if (!options.HasApiKey)
        {
            if (profile.RequiresApiKey)
            {
                failures.Add($"{section}:ApiKey is required when the provider is enabled.");
            }
        }
        else if (options.ApiKey!.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            // Said without echoing the key: whitespace usually means a copy-paste slip.
            failures.Add($"{section}:ApiKey must not contain whitespace or control characters.");
        }
        else if (options.ApiKey!.Length > UpstreamValues.MaxApiKeyLength)
        {
            failures.Add($"{section}:ApiKey must be at most {UpstreamValues.MaxApiKeyLength} characters.");
        }

        if (options.Models.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{section}:Models must not contain empty names.");
        }

        return failures;
    }
}
