namespace AigneHub.Domain.Billing;

/// <summary>
/// How much a call holds, so that the hold is the most the call can cost: the prompt at its upper bound and the output
/// at the most the provider will be allowed to produce, at the dearest rate of every provider that may serve the call.
/// A chat call's output is bounded by the max_tokens the hub sends upstream, which is lowered here to what the account
/// can pay for; a call that cannot even pay for its prompt and one output token is refused.
/// </summary>
public static class HoldSizing
{
    /// <summary>
    /// Sizes a chat call's hold: <paramref name="promptTokens"/> and up to <paramref name="wantedOutputTokens"/> output
    /// tokens per choice, for <paramref name="choices"/> choices, lowered to the most output tokens that
    /// <paramref name="available"/> can pay for at every one of <paramref name="rates"/>.
    /// </summary>
    /// <exception cref="CreditRuleException">InsufficientCredits when not even the prompt and one output token per choice fit.</exception>
    public static ChatHoldSize Chat(IReadOnlyList<ModelRate> rates, int promptTokens, int choices, int wantedOutputTokens, decimal available)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wantedOutputTokens, 1);
        choices = Math.Max(choices, 1);
        decimal AmountFor(int outputTokens) => Ceiling(rates, PerChoice(promptTokens, choices), PerChoice(outputTokens, choices));

        var wanted = AmountFor(wantedOutputTokens);
        if (wanted <= available)
        {
            return new ChatHoldSize(wantedOutputTokens, wanted);
        }

        var least = ChatLeast(rates, promptTokens, choices);
        if (least > available)
        {
            throw new CreditRuleException(
                CreditRule.InsufficientCredits,
                "amount",
                $"Not enough credits: this call needs at least {least:0.######} credits (its prompt and one output token) and {Math.Max(0, available):0.######} are available.");
        }

        // The cost grows with the output tokens: the most that still fits, between 1 (fits) and wanted (does not).
        var (fits, tooMany) = (1, wantedOutputTokens);
        while (tooMany - fits > 1)
        {
            var middle = fits + ((tooMany - fits) / 2);
            (fits, tooMany) = AmountFor(middle) <= available ? (middle, tooMany) : (fits, middle);
        }

        return new ChatHoldSize(fits, AmountFor(fits));
    }

    /// <summary>The least a chat call can hold: its prompt and one output token per choice (less is refused).</summary>
    public static decimal ChatLeast(IReadOnlyList<ModelRate> rates, int promptTokens, int choices) =>
        Ceiling(rates, PerChoice(promptTokens, choices), PerChoice(1, choices));

    /// <summary>
    /// The most a call of these sizes (totals over its choices) can cost at any of <paramref name="rates"/>: the prompt
    /// priced as ordinary input or as cache reads, whichever is dearer, since the provider decides which it was.
    /// </summary>
    public static decimal Ceiling(IReadOnlyList<ModelRate> rates, int promptTokens, int outputTokens, int images = 0)
    {
        var most = 0m;
        foreach (var rate in rates)
        {
            most = Math.Max(most, RateDecisions.Cost(rate, new TokenUsage(promptTokens, outputTokens), images));
            if (rate.CacheReadRate is not null)
            {
                most = Math.Max(most, RateDecisions.Cost(rate, new TokenUsage(promptTokens, outputTokens, promptTokens), images));
            }
        }

        return most;
    }

    /// <summary>Tokens for all of a call's choices, each a provider call of its own (saturating, never overflowing).</summary>
    public static int PerChoice(int tokens, int choices) => (int)Math.Min((long)tokens * Math.Max(choices, 1), int.MaxValue);
}

/// <param name="OutputTokens">The output tokens per choice the hold pays for: what the hub sends upstream as max_tokens.</param>
/// <param name="Amount">The credits to hold.</param>
public readonly record struct ChatHoldSize(int OutputTokens, decimal Amount);
