using AigneHub.Application.Routing.Fallbacks;

namespace AigneHub.Application.Routing;

/// <summary>
/// Turns a model name into the providers to try for one kind of call (chat, embeddings, images), or explains why
/// there are none. The kind only changes which of the catalog's lists is asked; a chat call also gets the routes of
/// its fallback models (<see cref="FallbackChain"/>).
/// </summary>
internal sealed class ModelRouter(IProviderCatalog catalog, FallbackChain chains)
{
    /// <summary>The providers that take chat calls for a model (the catalog's <see cref="IProviderCatalog.Resolve"/>).</summary>
    public static IReadOnlyList<IChatProvider> Chat(IProviderCatalog catalog, ModelName name) => catalog.Resolve(name);

    /// <summary>
    /// Routes the call's model, with the routes of its fallback models after it: a fallback the caller may not use, or
    /// that no provider serves, is kept as passed over (no providers), so the record can say why.
    /// </summary>
    public CallRoute<IChatProvider> RouteChat(IChatRequest request, Caller? caller)
    {
        var route = Route(request.Model, Chat);
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

    /// <param name="offering">What the call needs besides chat ("embeddings", "image generation"), so a refusal can say it.</param>
    public CallRoute<TProvider> Route<TProvider>(string model, Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve, string? offering = null)
        where TProvider : IProvider
    {
        // The validator has already checked the name; a failure here means a handler was called without the pipeline.
        if (!ModelName.TryParse(model, out var name))
        {
            throw new RequestValidationException([new FieldViolation("model", $"'{model}' is not a valid model name")]);
        }

        var providers = resolve(catalog, name);
        if (providers.Count > 0)
        {
            return new CallRoute<TProvider>(name, providers);
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

    private CallRoute<IChatProvider> RouteOrUnusable(string model)
    {
        try
        {
            return Route(model, Chat) with { Label = model };
        }
        catch (HubException)
        {
            return Unusable(model, ModelSkip.NotAvailable);
        }
    }

    private static CallRoute<IChatProvider> Unusable(string model, string reason) =>
        new(ModelName.TryParse(model, out var name) ? name : default, []) { Label = model, PassedOverBecause = reason };
}

/// <summary>The model as parsed, and the providers to try for it, best first; for a chat call, its fallback models after it.</summary>
internal sealed record CallRoute<TProvider>(ModelName Name, IReadOnlyList<TProvider> Providers)
    where TProvider : IProvider
{
    /// <summary>The output tokens per choice that the call's hold pays for (credits mode); null when nothing was held.</summary>
    public int? OutputTokenLimit { get; init; }

    /// <summary>The model as the call or its fallback chain named it.</summary>
    public string Label { get => field ?? Name.ToString(); init; }

    /// <summary>Why this fallback model is never tried (<see cref="ModelSkip"/>'s reasons); null when it may be.</summary>
    public string? PassedOverBecause { get; init; }

    /// <summary>The models tried after this one, in order (<see cref="AttemptPlan{TProvider}"/>); empty without a fallback chain.</summary>
    public IReadOnlyList<CallRoute<TProvider>> Fallbacks { get; init; } = [];

    /// <summary>The failures that move the call from one model to the next.</summary>
    public IReadOnlySet<FallbackTrigger> FallbackOn { get; init; } = new HashSet<FallbackTrigger>();

    /// <summary>
    /// The request each chat provider call carries: one choice, always, and in credits mode the max_tokens that the
    /// hold pays for (set when the caller gave none, lowered when the balance could not pay for the caller's). A call
    /// with n &gt; 1 is answered by <see cref="ChoiceFanOut"/>, one provider call per choice.
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

/// <summary>
/// Every provider call a call may make, in order: the providers of its model, then those of each fallback model
/// (<see cref="CallRoute{TProvider}.Fallbacks"/>). After a failure the call moves to the model's next provider when the
/// failure is retryable, and to the next model's first provider when the failure is one the chain moves on for
/// (<see cref="CallRoute{TProvider}.FallbackOn"/>); the models it leaves behind go on the call record with why.
/// </summary>
internal sealed class AttemptPlan<TProvider>
    where TProvider : IProvider
{
    private readonly CallRoute<TProvider>[] _models;
    private readonly List<(int Model, TProvider Provider)> _attempts = [];
    private readonly IReadOnlySet<FallbackTrigger> _fallbackOn;

    public AttemptPlan(CallRoute<TProvider> route)
    {
        _models = [route, .. route.Fallbacks];
        for (var model = 0; model < _models.Length; model++)
        {
            if (_models[model].PassedOverBecause is null)
            {
                _attempts.AddRange(_models[model].Providers.Select(p => (model, p)));
            }
        }

        _fallbackOn = route.FallbackOn;
    }

    /// <summary>The model route and provider of an attempt.</summary>
    public (CallRoute<TProvider> Route, TProvider Provider) this[int attempt] => (_models[_attempts[attempt].Model], _attempts[attempt].Provider);

    /// <summary>
    /// Whether the call goes on after <paramref name="attempt"/> failed with <paramref name="failure"/>, and with which
    /// attempt (<paramref name="next"/>). Moving to another model notes on <paramref name="meter"/> why the models
    /// left behind did not serve.
    /// </summary>
    public bool MovesOn(int attempt, UpstreamException failure, CallMeter meter, out int next)
    {
        var model = _attempts[attempt].Model;
        next = attempt + 1;
        if (next < _attempts.Count && _attempts[next].Model == model && failure.IsRetryable)
        {
            return true;
        }

        while (next < _attempts.Count && _attempts[next].Model == model)
        {
            next++;
        }

        if (next >= _attempts.Count || FallbackChain.TriggerOf(failure) is not { } trigger || !_fallbackOn.Contains(trigger))
        {
            return false;
        }

        meter.SkipModel(_models[model].Label, ReasonOf(trigger));
        for (var passed = model + 1; passed < _attempts[next].Model; passed++)
        {
            meter.SkipModel(_models[passed].Label, _models[passed].PassedOverBecause ?? ModelSkip.NotAvailable);
        }

        return true;
    }

    /// <summary>The record's reason for a trigger: rate_limited, server_error, timeout, content_filter, context_length.</summary>
    private static string ReasonOf(FallbackTrigger trigger) => trigger switch
    {
        FallbackTrigger.RateLimited => "rate_limited",
        FallbackTrigger.ServerError => "server_error",
        FallbackTrigger.Timeout => "timeout",
        FallbackTrigger.ContentFilter => "content_filter",
        _ => "context_length",
    };
}
