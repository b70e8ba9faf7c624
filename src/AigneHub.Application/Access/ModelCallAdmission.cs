using System.Runtime.CompilerServices;
using AigneHub.Application.Access.RateLimits;
using AigneHub.Application.ModelCalls;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;

namespace AigneHub.Application.Access;

/// <summary>
/// The one access policy for every model call (<see cref="IModelCall"/>), checked in this order before the handler
/// runs, so a refused call is never routed, held, recorded or sent upstream:
/// 1. an authenticated caller (401); 2. the <c>inference</c> scope (403); 3. the key's model allow-list (403 naming
/// the model); 4. the per-key and per-user rate limits, one request and the call's estimated tokens (429).
/// The edge has already applied the hub's and the key's IP rules when it authenticated the caller; credits are held
/// by the handler, after routing, before the first provider call.
/// </summary>
internal static class ModelCallAdmission
{
    public static async ValueTask<AdmittedCall> AdmitAsync(IModelCall call, Caller? caller, IRateLimiter limiter, CancellationToken cancellationToken)
    {
        if (caller is null)
        {
            throw new UnauthenticatedException("A model call needs to know who is calling: send your access key as 'Authorization: Bearer ahk_…'.");
        }

        if (!caller.Scopes.Contains(KeyScopes.Inference))
        {
            throw new PermissionDeniedException($"Your credential lacks the '{KeyScopes.Inference}' scope that model calls need.");
        }

        if (caller.Models is { Count: > 0 } allowList && !ModelPattern.Allows(allowList, call.Model))
        {
            throw new PermissionDeniedException(
                $"This access key may not use the model '{call.Model}'. It may use: {string.Join(", ", allowList)}.", "model");
        }

        var estimate = call.EstimateTokens();
        var admission = await limiter.AdmitAsync(caller, estimate, cancellationToken);
        if (!admission.Admitted)
        {
            throw new RateLimitExceededException(
                $"Rate limit reached for {admission.ExceededBy}. Try again in {Math.Max(1, (int)Math.Ceiling(admission.ResetsIn.TotalSeconds))} s.",
                admission);
        }

        return new AdmittedCall(caller, admission);
    }

    /// <summary>
    /// The tokens a call's answer (or a streamed update) reports it used; null when it reports none, so the
    /// admission's estimate stays counted (a caller is limited a little early, never late).
    /// </summary>
    public static int? ReportedTokens(object? answer)
    {
        var usage = answer switch
        {
            ChatCompletion completion => completion.Usage,
            ChatCompletionUpdate { Usage: { } streamed } => streamed,
            EmbeddingResult embeddings => embeddings.Usage,
            GeneratedImages images => images.Usage,
            _ => (TokenUsage?)null,
        };
        return usage is { TotalTokens: > 0 } used ? used.TotalTokens : null;
    }
}

/// <summary>Who was admitted, and the rate-limit window the call was counted in (to correct the estimate later).</summary>
internal sealed record AdmittedCall(Caller Caller, RateAdmission Rate);

/// <summary>Admits a unary model call (<see cref="ModelCallAdmission"/>), then corrects the rate-limit estimate to the reported usage.</summary>
internal sealed class ModelCallAdmissionBehaviour<TMessage, TResponse>(ICallerContext callers, IRateLimiter limiter) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IModelCall call)
        {
            return await next(message, cancellationToken);
        }

        var admitted = await ModelCallAdmission.AdmitAsync(call, callers.Current, limiter, cancellationToken);
        var response = await next(message, cancellationToken);
        if (ModelCallAdmission.ReportedTokens(response) is { } used)
        {
            await limiter.CorrectAsync(admitted.Caller, admitted.Rate, used, CancellationToken.None);
        }

        return response;
    }
}

/// <summary>The streaming counterpart: admits before the stream opens, corrects from the last usage the stream reports.</summary>
internal sealed class StreamModelCallAdmissionBehaviour<TMessage, TResponse>(ICallerContext callers, IRateLimiter limiter) : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (message is not IModelCall call)
        {
            await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return item;
            }

            yield break;
        }

        var admitted = await ModelCallAdmission.AdmitAsync(call, callers.Current, limiter, cancellationToken);
        int? used = null;
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            used = ModelCallAdmission.ReportedTokens(item) ?? used;
            yield return item;
        }

        if (used is { } tokens)
        {
            await limiter.CorrectAsync(admitted.Caller, admitted.Rate, tokens, CancellationToken.None);
        }
    }
}
