using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Providers;

/// <summary>Provider streams written through <see cref="EventStreams"/>, answered as <see cref="ProviderView"/>.</summary>
internal static class ProviderStreams
{
    public static StreamSubject Subject(string provider) =>
        new(provider, $"The provider '{provider}'", "provider", $"The provider '{provider}' is not registered.", $"The provider '{provider}' is already registered.");

    /// <summary>Changes the provider at the version the caller last read.</summary>
    public static async Task<ProviderView> ChangeAsync(
        IDocumentStore store, string provider, int expectedVersion, Func<ProviderConfig, IReadOnlyList<object>> decide, CancellationToken cancellationToken) =>
        ProviderView.From(await EventStreams.ChangeAsync(store, Subject(provider), expectedVersion, decide, cancellationToken));

    /// <inheritdoc cref="EventStreams.ObserveAsync{T}"/>
    public static async Task<ProviderView> ObserveAsync(
        IDocumentStore store, string provider, Func<ProviderConfig, IReadOnlyList<object>> decide, CancellationToken cancellationToken) =>
        ProviderView.From(await EventStreams.ObserveAsync(store, Subject(provider), decide, cancellationToken));

    public static async Task<ProviderView> LoadAsync(IDocumentStore store, string provider, CancellationToken cancellationToken) =>
        ProviderView.From(await LoadConfigAsync(store, provider, cancellationToken));

    public static async Task<ProviderConfig> LoadConfigAsync(IDocumentStore store, string provider, CancellationToken cancellationToken) =>
        await EventStreams.LoadAsync<ProviderConfig>(store, provider, cancellationToken) ?? throw Subject(provider).Missing();
}
