using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using Mediator;

namespace AigneHub.Application.Access.RateLimits;

/// <summary>
/// Admits a model call only within the caller's per-key and per-user limits (requests and tokens per minute). Tokens
/// are estimated at admission (prompt characters / 4 plus max_tokens, or 256 when absent) and
/// corrected to the real usage when the call ends.
/// </summary>
internal sealed class RateLimitBehaviour<TMessage, TResponse>(ICallerContext callers, IRateLimiter limiter) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IChatRequest call || callers.Current is not { } caller)
        {
            return await next(message, cancellationToken);
        }

        var admission = await RateLimitAdmission.AdmitAsync(limiter, caller, call, cancellationToken);
        var response = await next(message, cancellationToken);
        if (response is ChatCompletion completion)
        {
            await limiter.CorrectAsync(caller, admission, completion.Usage.TotalTokens, CancellationToken.None);
        }

        return response;
    }
}

/// <summary>The streaming counterpart: admits before the stream opens, corrects from the usage the stream reports.</summary>
internal sealed class StreamRateLimitBehaviour<TMessage, TResponse>(ICallerContext callers, IRateLimiter limiter) : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (message is not IChatRequest call || callers.Current is not { } caller)
        {
            await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return item;
            }

            yield break;
        }

        var admission = await RateLimitAdmission.AdmitAsync(limiter, caller, call, cancellationToken);
        int? used = null;
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            if (item is ChatCompletionUpdate { Usage: { } usage })
            {
                used = usage.TotalTokens;
            }

            yield return item;
        }

        if (used is { } tokens)
        {
            await limiter.CorrectAsync(caller, admission, tokens, CancellationToken.None);
        }
    }
}

internal static class RateLimitAdmission
{
    public const int DefaultCompletionEstimate = 256;

    public static async ValueTask<RateAdmission> AdmitAsync(IRateLimiter limiter, Caller caller, IChatRequest call, CancellationToken cancellationToken)
    {
        var estimate = Estimate(call);
        var admission = await limiter.AdmitAsync(caller, estimate, cancellationToken);
        if (!admission.Admitted)
        {
            throw new RateLimitExceededException(
                $"Rate limit reached for {admission.ExceededBy}. Try again in {Math.Max(1, (int)Math.Ceiling(admission.ResetsIn.TotalSeconds))} s.",
                admission);
        }

        return admission;
    }

    /// <summary>About four characters per token, plus what the completion may use.</summary>
    public static int Estimate(IChatRequest call)
    {
        long characters = call.Messages.Sum(m => (long)m.PlainText().Length);
        var completion = call.Settings.MaxTokens ?? DefaultCompletionEstimate;
        return (int)Math.Min(int.MaxValue, (characters / 4) + 1 + completion);
    }
}

/// <summary>The caller used up a per-key or per-user limit (429 with Retry-After and x-ratelimit-* headers).</summary>
public sealed class RateLimitExceededException(string message, RateAdmission admission) : HubException(Domain.Usage.ErrorKind.RateLimited, message)
{
    public RateAdmission Admission { get; } = admission;
}
