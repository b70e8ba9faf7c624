using AigneHub.Domain.Models;

namespace AigneHub.Application.Abstractions;

/// <summary>The enabled providers, in routing priority order.</summary>
public interface IProviderCatalog
{
    /// <summary>
    /// The providers to try for a model, best first: the named provider when the name has a prefix, otherwise every
    /// provider that serves the bare name. Empty when none does.
    /// </summary>
    IReadOnlyList<IChatProvider> Resolve(ModelName model);

    /// <summary>Whether a provider of that name is enabled (to tell "unknown model" from "provider not configured").</summary>
    bool IsEnabled(string provider);
}
