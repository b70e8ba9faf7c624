using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Errors;
using AigneHub.Application.Common.Routing.Fallbacks;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// Every provider call a chat call may make, in order: the providers of its model, then those of each fallback model
/// (<see cref="ChatRoute.Fallbacks"/>). After a failure the call moves to the model's next provider when the failure is
/// retryable (as failover always did), and to the next model's first provider when the failure is one the chain moves
/// on for (<see cref="ChatRoute.FallbackOn"/>); the models it leaves behind go on the call record with why.
/// </summary>
internal sealed class ChatAttemptPlan
{
    private readonly ChatRoute[] _models;
    private readonly List<(int Model, IChatProvider Provider)> _attempts = [];

    public ChatAttemptPlan(ChatRoute route)
    {
        _models = [route, .. route.Fallbacks];
        for (var model = 0; model < _models.Length; model++)
        {
            if (_models[model].PassedOverBecause is null)
            {
                _attempts.AddRange(_models[model].Providers.Select(p => (model, p)));
            }
        }

        FallbackOn = route.FallbackOn;
    }

    private IReadOnlySet<FallbackTrigger> FallbackOn { get; }

    /// <summary>The model route and provider of an attempt.</summary>
    public (ChatRoute Route, IChatProvider Provider) this[int attempt] => (_models[_attempts[attempt].Model], _attempts[attempt].Provider);

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

        if (next >= _attempts.Count || FallbackChain.TriggerOf(failure) is not { } trigger || !FallbackOn.Contains(trigger))
        {
            return false;
        }

        meter.SkipModel(_models[model].Label, ReasonOf(trigger));
        for (var passed = model + 1; passed < _attempts[next].Model; passed++)
        {
            meter.SkipModel(_models[passed].Label, _models[passed].PassedOverBecause ?? Domain.Usage.ModelSkip.NotAvailable);
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
