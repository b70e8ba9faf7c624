using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Routing;
using AigneHub.Domain.Models;

namespace AigneHub.Application.Chat.Common;

/// <summary>Turns a model name into the providers to try, or explains why there are none.</summary>
internal sealed class ChatRouter(IProviderCatalog catalog)
{
    private readonly ModelRouter _router = new(catalog);

    /// <summary>Routes, and when no provider can take the call, still leaves its call record (model not found).</summary>
    public ChatRoute RouteRecordingFailure(string model, CallMeter meter, ICallRecorder recorder, CancellationToken cancellationToken) =>
        ToChatRoute(_router.RouteRecordingFailure(model, Resolve, meter, recorder, cancellationToken));

    public ChatRoute Route(string model) => ToChatRoute(_router.Route(model, Resolve));

    private static IReadOnlyList<IChatProvider> Resolve(IProviderCatalog catalog, ModelName name) => catalog.Resolve(name);

    private static ChatRoute ToChatRoute(ModelRoute<IChatProvider> route) => new(route.Name, route.Providers);
}

internal sealed record ChatRoute(ModelName Name, IReadOnlyList<IChatProvider> Providers)
{
    /// <summary>The output tokens per choice that the call's hold pays for (credits mode); null when nothing was held.</summary>
    public int? OutputTokenLimit { get; init; }

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
