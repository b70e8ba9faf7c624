using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Models;

namespace AigneHub.Application.Common.Routing;

/// <summary>
/// Turns a model name into the providers to try for one kind of call (chat, embeddings, images), or explains why
/// there are none. The kind only changes which of the catalog's lists is asked.
/// </summary>
internal sealed class ModelRouter(IProviderCatalog catalog)
{
    /// <summary>Routes, and when no provider can take the call, still leaves its call record (model not found).</summary>
    public ModelRoute<TProvider> RouteRecordingFailure<TProvider>(
        string model,
        Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve,
        CallMeter meter,
        ICallRecorder recorder,
        CancellationToken cancellationToken,
        string? offering = null)
    {
        try
        {
            return Route(model, resolve, offering);
        }
        catch (HubException ex)
        {
            meter.Attempt(ModelName.TryParse(model, out var name) ? name.Provider ?? string.Empty : string.Empty, name.Model ?? model);
            recorder.Record(meter.Failed(ex, default, cancellationToken));
            throw;
        }
    }

    /// <param name="offering">What the call needs besides chat ("embeddings", "image generation"), so a refusal can say it.</param>
    public ModelRoute<TProvider> Route<TProvider>(string model, Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve, string? offering = null)
    {
        // The validator has already checked the name; a failure here means a handler was called without the pipeline.
        if (!ModelName.TryParse(model, out var name))
        {
            throw new RequestValidationException([new FieldViolation("model", $"'{model}' is not a valid model name")]);
        }

        var providers = resolve(catalog, name);
        if (providers.Count > 0)
        {
            return new ModelRoute<TProvider>(name, providers);
        }

        var message = name.Provider is { } provider
            ? catalog.Availability(provider) switch
            {
                ProviderAvailability.NotConfigured => $"The model '{model}' is not available: the provider '{provider}' is not configured on this hub.",
                ProviderAvailability.Unusable => $"The model '{model}' is not available: the provider '{provider}' is disabled or has no usable credential.",
                _ when offering is not null => $"The model '{model}' is not available: the provider '{provider}' offers no {offering} on this hub, or does not serve this model.",
                _ => $"The model '{model}' does not exist or no configured provider serves it.",
            }
            : $"The model '{model}' does not exist or no configured provider serves it.";
        throw new ModelNotFoundException(model, message);
    }
}

/// <summary>The model as parsed, and the providers to try for it, best first.</summary>
internal sealed record ModelRoute<TProvider>(ModelName Name, IReadOnlyList<TProvider> Providers);
