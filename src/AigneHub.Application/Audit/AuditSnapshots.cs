using System.Text.Json;

namespace AigneHub.Application.Audit;

/// <summary>
/// The audited target as the admin API shows it, as JSON: provider views hold masked secrets only, key views no secret
/// and no hash, so nothing secret can reach the trail. A credit account shows its balance, a rate its current version,
/// the billing settings all of them.
/// </summary>
internal sealed class AuditSnapshots(IDocumentStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<string?> TakeAsync(string target, CancellationToken cancellationToken)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var (kind, id) = (target[..colon], target[(colon + 1)..]);
        if (id.Length == 0)
        {
            return null;
        }

        await using var session = store.QuerySession();
        object? view = kind switch
        {
            "provider" => await session.LoadAsync<ProviderConfig>(id, cancellationToken) is { } provider ? ProviderView.From(provider) : null,
            "key" => await session.LoadAsync<AccessKey>(id, cancellationToken) is { } key ? AccessKeyView.From(key, null) : null,
            "user" => await session.LoadAsync<HubUser>(id, cancellationToken) is { } user ? UserView.From(user) : null,
            "credits" => await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(id), cancellationToken) is { } account
                ? CreditBalanceView.From(id, account, (await BillingStreams.LoadSettingsAsync(session, cancellationToken)).CurrencyPrefix)
                : null,
            "rate" => await session.LoadAsync<ModelRate>(target, cancellationToken) is { } rate ? RateView.From(rate) : null,
            "billing" => BillingSettingsView.From(await BillingStreams.LoadSettingsAsync(session, cancellationToken)),
            _ => null,
        };
        return view is null ? null : JsonSerializer.Serialize(view, view.GetType(), Json);
    }
}
