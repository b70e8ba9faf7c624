using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Abstractions;

/// <summary>A pricing catalogue: what providers charge for their models (a file, a URL, or the catalogue the hub ships).</summary>
public interface IRateCatalogue
{
    /// <summary>Where the entries come from, for reports ("built-in", a path or a URL).</summary>
    string Source { get; }

    Task<IReadOnlyList<CatalogueRate>> ReadAsync(CancellationToken cancellationToken);
}

/// <param name="UnitCosts">US dollars per token (per image for an image model's output).</param>
public sealed record CatalogueRate(string Provider, string Model, CallType Type, UnitCosts UnitCosts, bool Deprecated);
