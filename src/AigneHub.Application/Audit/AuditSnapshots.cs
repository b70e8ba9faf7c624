using System.Text.Json;

namespace AigneHub.Application.Audit;

/// <summary>
/// The audited target as the admin API shows it, as JSON: provider views hold masked secrets only, key views no secret
/// and no hash, so nothing secret can reach the trail.
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
            _ => null,
        };
        return view is null ? null : JsonSerializer.Serialize(view, view.GetType(), Json);
    }
}
