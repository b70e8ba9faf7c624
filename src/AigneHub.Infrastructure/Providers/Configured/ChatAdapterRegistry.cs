namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// Which adapter speaks to which provider: the registered <see cref="IChatAdapter"/> whose protocol is the one the
/// provider's <see cref="ProviderProfile"/> names. Supporting another protocol (anthropic, google, …) takes an adapter
/// and a profile registered in the container, nothing here.
/// </summary>
internal sealed class ChatAdapterRegistry
{
    private readonly Dictionary<string, IChatAdapter> _byProtocol = new(StringComparer.Ordinal);
    private readonly ProviderProfiles _profiles;

    public ChatAdapterRegistry(IEnumerable<IChatAdapter> adapters, ProviderProfiles profiles)
    {
        _profiles = profiles;
        foreach (var adapter in adapters)
        {
            if (!_byProtocol.TryAdd(adapter.Protocol, adapter) && !ReferenceEquals(_byProtocol[adapter.Protocol], adapter))
            {
                throw new InvalidOperationException(
                    $"Two chat adapters speak protocol '{adapter.Protocol}': {_byProtocol[adapter.Protocol].GetType().Name} and {adapter.GetType().Name}.");
            }
        }
    }

    public bool CanResolve(string provider) =>
        _profiles.Find(provider) is { } profile && _byProtocol.ContainsKey(profile.Protocol);

    /// <exception cref="InvalidOperationException">The provider has no profile, or no adapter speaks its protocol.</exception>
    public IChatAdapter Resolve(string provider)
    {
        var profile = _profiles.Find(provider)
            ?? throw new InvalidOperationException($"Provider '{provider}' has no profile, so the hub does not know which protocol it speaks.");
        return _byProtocol.TryGetValue(profile.Protocol, out var adapter)
            ? adapter
            : throw new InvalidOperationException($"Provider '{provider}' speaks protocol '{profile.Protocol}', for which no chat adapter is registered.");
    }
}
