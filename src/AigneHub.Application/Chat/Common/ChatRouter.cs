using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Errors;
using AigneHub.Application.Common.Routing;
using AigneHub.Application.Common.Routing.Fallbacks;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;

namespace AigneHub.Application.Chat.Common;

/// <summary>Turns a model name into the providers to try, or explains why there are none.</summary>
internal sealed class ChatRouter(IProviderCatalog catalog, FallbackChain chains)
{
    private readonly ModelRouter _router = new(catalog);

    /// <summary>
    /// Routes the call's model as <see cref="RouteRecordingFailure(string, CallMeter, ICallRecorder, CancellationToken)"/>
    /// does, with the routes of its fallback models (<see cref="FallbackChain"/>) after it: a fallback the caller may
    /// not use, or that no provider serves, is kept as passed over (no providers), so the record can say why.
    /// </summary>
    public ChatRoute RouteRecordingFailure(IChatRequest request, Caller? caller, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken)
    {
        var route = RouteRecordingFailure(request.Model, meter, recorder, cancellationToken);
        var chain = chains.Resolve(request.Model, request.FallbackModels, caller);
        if (chain.Models.Count == 0)
        {
            return route;
        }

        return route with
        {
            Fallbacks = [.. chain.Models.Select(m => m.NotAllowed ? Unusable(m.Model, ModelSkip.NotAllowed) : RouteOrUnusable(m.Model))],
            FallbackOn = chain.Triggers,
        };
    }

    public ChatRoute RouteRecordingFailure(string model, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken) =>
        ToChatRoute(_router.RouteRecordingFailure(model, Resolve, meter, recorder, cancellationToken));

    public ChatRoute Route(string model) => ToChatRoute(_router.Route(model, Resolve));

    private ChatRoute RouteOrUnusable(string model)
    {
        try
        {
            return Route(model) with { Label = model };
        }
        catch (HubException)
        {
            return Unusable(model, ModelSkip.NotAvailable);
        }
    }

    private static ChatRoute Unusable(string model, string reason) =>
        new(ModelName.TryParse(model, out var name) ? name : default, []) { Label = model, PassedOverBecause = reason };

    private static IReadOnlyList<IChatProvider> Resolve(IProviderCatalog catalog, ModelName name) => catalog.Resolve(name);

    private static ChatRoute ToChatRoute(ModelRoute<IChatProvider> route) => new(route.Name, route.Providers);
}

internal sealed record ChatRoute(ModelName Name, IReadOnlyList<IChatProvider> Providers)
{
    /// <summary>The output tokens per choice that the call's hold pays for (credits mode); null when nothing was held.</summary>
    public int? OutputTokenLimit { get; init; }

    /// <summary>The model as the call or its fallback chain named it.</summary>
    public string Label { get => field ?? Name.ToString(); init; }

    /// <summary>Why this fallback model is never tried (<see cref="ModelSkip"/>'s reasons); null when it may be.</summary>
    public string? PassedOverBecause { get; init; }

    /// <summary>The models tried after this one, in order (<see cref="ChatAttemptPlan"/>); empty without a fallback chain.</summary>
    public IReadOnlyList<ChatRoute> Fallbacks { get; init; } = [];

    /// <summary>The failures that move the call from one model to the next.</summary>
    public IReadOnlySet<FallbackTrigger> FallbackOn { get; init; } = new HashSet<FallbackTrigger>();

    /// <summary>
    /// The request each provider call carries: one choice, always, and in credits mode the max_tokens that the hold
    /// pays for (set when the caller gave none, lowered when the balance could not pay for the caller's). A call with
    /// n &gt; 1 is answered by <see cref="ChoiceFanOut"/>, one provider call per choice.
    /// </summary>
    public ProviderChatRequest RequestFor(IChatRequest request)
    {
        var settings = request.Settings;
        if (settings.N is not null || (OutputTokenLimit is { } limit && settings.MaxTokens != limit))
        {
            settings = settings with { N = null, MaxTokens = OutputTokenLimit ?? settings.MaxTokens };
        }

        return new(Name.Model, request.Messages, settings);
    }
}
