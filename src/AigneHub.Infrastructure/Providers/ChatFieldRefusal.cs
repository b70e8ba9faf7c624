namespace AigneHub.Infrastructure.Providers;

/// <summary>The OpenAI chat fields that a protocol other than OpenAI's can carry in its own words.</summary>
[Flags]
internal enum MappedChatFields
{
    None = 0,

    /// <summary>reasoning_effort becomes the protocol's thinking budget.</summary>
    ReasoningEffort = 1,

    /// <summary>presence_penalty and frequency_penalty have the protocol's own fields.</summary>
    Penalties = 2,
}

/// <summary>
/// Refuses, before any upstream call, the OpenAI chat fields a protocol cannot honour when leaving them out would
/// change the answer (log probabilities the answer would lack, a bias or a length the model would not follow, a web
/// search it would not make). Hints that only touch the upstream's scheduling, caching or storage (service_tier,
/// store, prediction, prompt_cache_key, prompt_cache_retention, safety_identifier, metadata, seed) change no answer and
/// are not sent; a penalty of 0 is the default and passes; docs/api.md ("Chat fields by provider") lists every field per provider.
/// </summary>
internal static class ChatFieldRefusal
{
    /// <param name="protocol">The protocol's name as a client reads it ("Anthropic's Messages API").</param>
    /// <exception cref="RequestValidationException">The first field the protocol cannot honour, named as OpenAI names it.</exception>
    public static void RefuseUnsupported(ChatSettings settings, string protocol, MappedChatFields mapped)
    {
        var field = settings switch
        {
            { Logprobs: true } => "logprobs",
            { TopLogprobs: not null } => "top_logprobs",
            { LogitBias: not null } => "logit_bias",
            { Verbosity: not null } => "verbosity",
            { WebSearchOptionsJson: not null } => "web_search_options",
            { ReasoningEffort: not null } when !mapped.HasFlag(MappedChatFields.ReasoningEffort) => "reasoning_effort",
            { PresencePenalty: not null and not 0 } when !mapped.HasFlag(MappedChatFields.Penalties) => "presence_penalty",
            { FrequencyPenalty: not null and not 0 } when !mapped.HasFlag(MappedChatFields.Penalties) => "frequency_penalty",
            _ => null,
        };

        if (field is not null)
        {
            throw new RequestValidationException([new FieldViolation(
                field,
                $"{protocol} has no equivalent of '{field}', and answering without it would not be what was asked: leave it out, or use a model of an OpenAI-protocol provider")]);
        }
    }
}
