using System.Runtime.CompilerServices;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.ModelCalls;
using AigneHub.Application.Embeddings;

namespace AigneHub.Application.Caching;

/// <summary>
/// Answers a model call from the response cache when it may (<see cref="ResponseCache.Plan"/>), after admission (a hit
/// passes the same access policy and rate limits as any call) and before the handler (a hit is never routed to a
/// provider or held like one). A miss goes to the handler and its answer is stored. Works on what a call answers, not
/// on which command it is: any command answered with a chat completion or embeddings is cached the same way.
/// </summary>
internal sealed class ResponseCacheBehaviour<TMessage, TResponse>(ResponseCache cache, CacheHitAccounting hits) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var kind = typeof(TResponse) == typeof(ChatCompletion) ? CacheKind.Chat
            : typeof(TResponse) == typeof(EmbeddingResult) ? CacheKind.Embeddings
            : (CacheKind?)null;
        if (kind is null || message is not IModelCall || cache.Plan(message, kind.Value) is not { } plan)
        {
            return await next(message, cancellationToken);
        }

        var hit = await cache.FindAsync(plan, typeof(TResponse), cancellationToken);
        switch (hit?.Answer)
        {
            case ChatCompletion completion:
                var chatCharge = await hits.SettleAsync(plan, hit.PricedAs, completion.Usage, streamed: false, cancellationToken);
                return (TResponse)(object)(completion with { CreditsCharged = chatCharge.Credits, CreditPrefix = chatCharge.CreditPrefix });
            case EmbeddingResult embeddings:
                var charge = await hits.SettleAsync(plan, hit.PricedAs, embeddings.Usage, streamed: false, cancellationToken);
                return (TResponse)(object)(embeddings with { CreditsCharged = charge.Credits, CreditPrefix = charge.CreditPrefix });
        }

        var response = await next(message, cancellationToken);
        switch (response)
        {
            case ChatCompletion completion when CachedAnswers.IsWhole(completion, (IChatRequest)message):
                await cache.SaveAsync(plan, completion with { CreditsCharged = null, CreditPrefix = null }, completion.Model);
                break;
            case EmbeddingResult embeddings:
                await cache.SaveAsync(plan, embeddings with { CreditsCharged = null, CreditPrefix = null }, embeddings.Model);
                break;
        }

        return response;
    }
}

/// <summary>The streaming counterpart for chat: a hit streams the stored answer; a miss relays the provider's stream and stores it once it completed.</summary>
internal sealed class StreamResponseCacheBehaviour<TMessage, TResponse>(ResponseCache cache, CacheHitAccounting hits) : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var plan = typeof(TResponse) == typeof(ChatCompletionUpdate) && message is IModelCall and IChatRequest ? cache.Plan(message, CacheKind.Chat) : null;
        if (plan is null)
        {
            await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return item;
            }

            yield break;
        }

        if (await cache.FindAsync(plan, typeof(ChatCompletion), cancellationToken) is { Answer: ChatCompletion cached } hit)
        {
            var charge = await hits.SettleAsync(plan, hit.PricedAs, cached.Usage, streamed: true, cancellationToken);
            foreach (var update in ChatAnswerReplay.Updates(cached))
            {
                yield return (TResponse)(object)update;
            }

            if (message is StreamChatCompletionCommand { WithReceipt: true } && charge.Credits is { } credits)
            {
                yield return (TResponse)(object)new ChatCompletionUpdate(cached.Id, cached.Created, cached.Model, null, null, null, null,
                    CreditsCharged: credits, CreditPrefix: charge.CreditPrefix);
            }

            yield break;
        }

        var assembly = new ChatAnswerAssembly();
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            assembly.Add((ChatCompletionUpdate)(object)item!);
            yield return item;
        }

        // Reached only when the stream completed: a failed or abandoned one is never stored.
        if (assembly.Build() is { } completion && CachedAnswers.IsWhole(completion, (IChatRequest)message))
        {
            await cache.SaveAsync(plan, completion, completion.Model);
        }
    }
}

internal static class CachedAnswers
{
    /// <summary>
    /// Whether an answer is the one the request asked for, not one cut short for this caller: an answer that stopped
    /// at its length limit is stored only when that limit is the caller's own max_tokens (in credits mode the hub
    /// lowers max_tokens to what the caller's balance pays for, and another caller must not get that shorter answer).
    /// </summary>
    public static bool IsWhole(ChatCompletion answer, IChatRequest request)
    {
        var cut = answer.Choices.Count(c => c.FinishReason == "length");
        return cut == 0 || (request.Settings.MaxTokens is { } max && answer.Usage.CompletionTokens >= (long)max * cut);
    }
}
