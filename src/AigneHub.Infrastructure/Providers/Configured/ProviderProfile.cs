namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// What the hub knows about one provider before any of its configuration: which protocol adapter speaks to it, where
/// it lives by default, whether it needs a key, and its quirks within that protocol. Quirks are data, so one adapter
/// serves a whole family of providers (the OpenAI Chat Completions family: see <c>OpenAICompatibleProfiles</c>).
/// </summary>
/// <param name="Provider">The provider's name (<see cref="Domain.Models.ProviderNames"/>), the prefix of its models.</param>
/// <param name="Protocol">The <see cref="Application.Abstractions.IChatAdapter.Protocol"/> of the adapter that speaks to it.</param>
internal sealed record ProviderProfile(string Provider, string Protocol)
{
    /// <summary>The API root used when none is configured; null when there is no sensible default (a local server).</summary>
    public Uri? DefaultBaseUrl { get; init; }

    /// <summary>For providers with one endpoint per region (bedrock): the endpoint of a region, or null for an invalid one.</summary>
    public Func<string?, Uri?>? RegionalBaseUrl { get; init; }

    /// <summary>Whether a call needs an API key; when false a key is still sent if one is given.</summary>
    public bool RequiresApiKey { get; init; } = true;

    /// <summary>Headers sent on every call to this provider (attribution and the like; never a credential).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Usage counts this provider reports under names of its own.</summary>
    public UsageFieldAliases UsageAliases { get; init; } = UsageFieldAliases.None;

    /// <summary>
    /// Whether the output limit goes upstream as <c>max_completion_tokens</c> (OpenAI, whose reasoning models refuse
    /// <c>max_tokens</c>) rather than the Chat Completions family's common <c>max_tokens</c>.
    /// </summary>
    public bool SendsMaxCompletionTokens { get; init; }
}

/// <summary>Names a provider gives, in its usage object, to counts that the protocol names otherwise.</summary>
/// <param name="CachedPromptTokens">
/// A usage field that counts the prompt tokens served from the provider's cache, read beside the protocol's own
/// (DeepSeek's <c>prompt_cache_hit_tokens</c>).
/// </param>
internal sealed record UsageFieldAliases(string? CachedPromptTokens = null)
{
    public static UsageFieldAliases None { get; } = new();
}

/// <summary>
/// Every provider profile registered in the container (<see cref="ProviderProfile"/> singletons), by provider name.
/// Adapters look up a target's quirks here; a later registration for the same provider replaces an earlier one.
/// </summary>
internal sealed class ProviderProfiles
{
    private readonly Dictionary<string, ProviderProfile> _byProvider = new(StringComparer.Ordinal);

    public ProviderProfiles(IEnumerable<ProviderProfile> profiles)
    {
        foreach (var profile in profiles)
        {
            _byProvider[profile.Provider] = profile;
        }
    }

    public ProviderProfile? Find(string provider) => _byProvider.GetValueOrDefault(provider);

    /// <summary>Where a provider is called: its configured base URL, else its profile's default; null when it has neither.</summary>
    public Uri? BaseUrlFor(string provider, string? configuredBaseUrl, string? region)
    {
        if (configuredBaseUrl is { } configured)
        {
            return new Uri(configured, UriKind.Absolute);
        }

        var profile = Find(provider);
        return profile?.DefaultBaseUrl ?? profile?.RegionalBaseUrl?.Invoke(region);
    }
}
