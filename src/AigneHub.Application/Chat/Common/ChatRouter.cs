using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Models;

namespace AigneHub.Application.Chat.Common;

/// <summary>Turns a model name into the providers to try, or explains why there are none.</summary>
internal sealed class ChatRouter(IProviderCatalog catalog)
{
    /// <summary>Routes, and when no provider can take the call, still leaves its call record (model not found).</summary>
    public ChatRoute RouteRecordingFailure(string model, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            return Route(model);
        }
        catch (HubException ex)
        {
            meter.Attempt(ModelName.TryParse(model, out var name) ? name.Provider ?? string.Empty : string.Empty, name.Model ?? model);
            recorder.Record(meter.Failed(ex, default, cancellationToken));
            throw;
        }
    }

    public ChatRoute Route(string model)
    {
        // The validator has already checked the name; a failure here means a handler was called without the pipeline.
        if (!ModelName.TryParse(model, out var name))
        {
            throw new RequestValidationException([new FieldViolation("model", $"'{model}' is not a valid model name")]);
        }

        var providers = catalog.Resolve(name);
        if (providers.Count > 0)
        {
            return new ChatRoute(name, providers);
        }

        var message = name.Provider is { } provider
            ? catalog.Availability(provider) switch
            {
                ProviderAvailability.NotConfigured => $"The model '{model}' is not available: the provider '{provider}' is not configured on this hub.",
                ProviderAvailability.Unusable => $"The model '{model}' is not available: the provider '{provider}' is disabled or has no usable credential.",
                _ => $"The model '{model}' does not exist or no configured provider serves it.",
            }
            : $"The model '{model}' does not exist or no configured provider serves it.";
        throw new ModelNotFoundException(model, message);
    }
}

internal sealed record ChatRoute(ModelName Name, IReadOnlyList<IChatProvider> Providers)
{
    public ProviderChatRequest RequestFor(IChatRequest request) => new(Name.Model, request.Messages, request.Settings);
}
