using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Billing;

/// <summary>How the settings and rate streams are read, and written through <see cref="EventStreams"/>.</summary>
internal static class BillingStreams
{
    private static readonly StreamSubject Settings = new(
        BillingSettings.StreamId, "The billing settings", "settings", "The billing settings are missing.", Plural: true);

    public static async Task<BillingSettings> LoadSettingsAsync(IQuerySession session, CancellationToken cancellationToken) =>
        await session.LoadAsync<BillingSettings>(BillingSettings.StreamId, cancellationToken) ?? BillingSettings.Defaults;

    public static async Task<BillingSettings> LoadSettingsAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await LoadSettingsAsync(session, cancellationToken);
    }

    /// <summary>Changes the settings at the version the caller last read (0 for the defaults, before any change).</summary>
    public static async Task<BillingSettings> ChangeSettingsAsync(
        IDocumentStore store, int expectedVersion, Func<BillingSettings, IReadOnlyList<object>> decide, CancellationToken cancellationToken) =>
        await EventStreams.ChangeOrStartAsync<BillingSettings>(store, Settings, expectedVersion, current => decide(current ?? BillingSettings.Defaults), cancellationToken)
        ?? BillingSettings.Defaults;

    /// <summary>Appends a new rate version when the decision makes one; returns the rate as it is afterwards.</summary>
    public static Task<ModelRate?> ChangeRateAsync(
        IDocumentStore store, string rateId, Func<ModelRate?, IReadOnlyList<object>> decide, CancellationToken cancellationToken) =>
        EventStreams.ChangeOrStartAsync(store, new StreamSubject(rateId, $"The rate {rateId}", "rate_id", $"There is no rate {rateId}."), null, decide, cancellationToken);
}
