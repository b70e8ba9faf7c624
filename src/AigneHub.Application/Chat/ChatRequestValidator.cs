using System.Collections.Frozen;
using System.Linq.Expressions;
using AigneHub.Domain.Chat;
using FluentValidation.Results;

namespace AigneHub.Application.Chat;

/// <summary>
/// Rules every chat call obeys, the base of the unary and streamed commands' validators (a base class rather than
/// <c>Include</c>, which costs a validation context per call). Property names are the wire names (snake_case) clients
/// send, so an error can name the offending parameter.
/// </summary>
internal abstract class ChatRequestValidator<TRequest> : AbstractValidator<TRequest>
    where TRequest : IChatRequest
{
    public const int MaxMessages = 2048;

    /// <summary>OpenAI's limit on functions per request.</summary>
    public const int MaxTools = 128;

    protected ChatRequestValidator()
    {
        RuleFor(x => x.Model)
            .NotEmpty().WithMessage("you must provide a model parameter")
            .Must(m => ModelName.TryParse(m, out _))
            .When(x => !string.IsNullOrEmpty(x.Model), ApplyConditionTo.CurrentValidator)
            .WithMessage(x => $"'{Truncate(x.Model)}' is not a valid model name: use \"provider/model\" (e.g. \"demo/echo\") or a bare model name")
            .OverridePropertyName("model");

        RuleFor(x => x.FallbackModels)
            .Must(m => m.Count <= Application.Routing.Fallbacks.FallbackChain.MaxFallbacks)
            .WithMessage($"models may name at most {Application.Routing.Fallbacks.FallbackChain.MaxFallbacks} models")
            .OverridePropertyName("models");

        RuleForEach(x => x.FallbackModels)
            .Must(m => ModelName.TryParse(m, out _))
            .WithMessage((x, m) => $"'{Truncate(m ?? string.Empty)}' in models is not a valid model name: use \"provider/model\" or a bare model name")
            .OverridePropertyName("models");

        RuleFor(x => x.Messages)
            .NotEmpty().WithMessage("messages must contain at least one message")
            .Must(m => m.Count <= MaxMessages).WithMessage($"messages may contain at most {MaxMessages} messages")
            .OverridePropertyName("messages");

        RuleFor(x => x.Messages)
            .Configure(static rule => rule.PropertyName = "messages")
            .Custom(static (messages, context) => MessageRules(messages, context));

        RuleFor(x => x.Messages)
            .Must(AnswersOnlyAskedToolCalls)
            .WithMessage(x => $"messages with role 'tool' must answer a tool call of a preceding assistant message: '{Truncate(UnansweredToolCallId(x.Messages) ?? string.Empty)}' was not asked for")
            .When(x => x.Messages is { Count: > 0 })
            .OverridePropertyName("messages");

        RuleFor(x => x.Settings.ToolChoice)
            .Must((x, choice) => x.Settings.Tools is { Count: > 0 })
            .When(x => x.Settings.ToolChoice is { Mode: ToolChoiceMode.Required or ToolChoiceMode.Function })
            .WithMessage("tool_choice requires tools: give the functions the model may call")
            .OverridePropertyName("tool_choice");

        RuleFor(x => x.Settings.ToolChoice)
            .Must((x, choice) => x.Settings.Tools is null || x.Settings.Tools.Any(t => t.Name == choice!.FunctionName))
            .When(x => x.Settings.ToolChoice is { Mode: ToolChoiceMode.Function })
            .WithMessage(x => $"tool_choice names the function '{Truncate(x.Settings.ToolChoice!.FunctionName ?? string.Empty)}', which is not among the tools")
            .OverridePropertyName("tool_choice");

        SettingsRules();
    }

    /// <summary>
    /// A string field that, when given, must be one of <paramref name="listed"/> (or <paramref name="alias"/>, accepted
    /// but not listed), refused in OpenAI's words: <c>'x' is not one of ['a', 'b'] - 'field'</c>.
    /// </summary>
    private void OneOf(Expression<Func<TRequest, string?>> field, string name, string[] listed, string? alias = null)
    {
        var accepted = (alias is null ? listed : [.. listed, alias]).ToFrozenSet(StringComparer.Ordinal);
        var choices = string.Join(", ", listed.Select(v => $"'{v}'"));
        RuleFor(field)
            .Must(v => v is null || accepted.Contains(v))
            .WithMessage((_, v) => $"'{Truncate(v!)}' is not one of [{choices}] - '{name}'")
            .OverridePropertyName(name);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static bool AnswersOnlyAskedToolCalls(IReadOnlyList<ChatMessage> messages) => UnansweredToolCallId(messages) is null;

    /// <summary>The tool_call_id of the first tool message that answers no tool call asked for before it; null when all do.</summary>
    private static string? UnansweredToolCallId(IReadOnlyList<ChatMessage> messages)
    {
        HashSet<string>? asked = null;
        foreach (var message in messages)
        {
            if (message.ToolCalls is { } calls)
            {
                asked ??= new HashSet<string>(StringComparer.Ordinal);
                foreach (var call in calls)
                {
                    asked.Add(call.Id);
                }
            }
            else if (message.Role == ChatRole.Tool && message.ToolCallId is { Length: > 0 } id && asked?.Contains(id) != true)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>OpenAI's rule for function and schema names.</summary>
    private static bool IsFunctionName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>
    /// Each message's rules, failures named <c>messages[i].field</c> (and <c>messages[i].tool_calls[j]</c>,
    /// <c>messages[i].content[j]</c>) in message order. Written out rather than as a child validator per message, which
    /// costs a validation context, property chains and a path string per rule and message on every call; nothing is
    /// allocated unless a rule fails.
    /// </summary>
    private static void MessageRules(IReadOnlyList<ChatMessage>? messages, ValidationContext<TRequest> context)
    {
        if (messages is null)
        {
            return;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if ((message.Role is ChatRole.System or ChatRole.Developer or ChatRole.User or ChatRole.Tool) && !message.HasContent)
            {
                Fail(context, i, "content", $"a {message.Role.ToString().ToLowerInvariant()} message must have content");
            }

            if (message.Role == ChatRole.Tool && string.IsNullOrWhiteSpace(message.ToolCallId))
            {
                Fail(context, i, "tool_call_id", "a tool message must name the tool_call_id it answers");
            }

            if (message.Role == ChatRole.Assistant && !message.HasContent && message.ToolCalls is null)
            {
                Fail(context, i, "content", "an assistant message must have content or tool_calls");
            }

            if (message.Role != ChatRole.Assistant && message.ToolCalls is { Count: > 0 })
            {
                Fail(context, i, "tool_calls", "only assistant messages may carry tool_calls");
            }

            for (var j = 0; j < (message.ToolCalls?.Count ?? 0); j++)
            {
                var call = message.ToolCalls![j];
                if (call.Id.Length == 0)
                {
                    Fail(context, i, $"tool_calls[{j}]", "tool_calls[].id is required");
                }

                if (!IsFunctionName(call.Name))
                {
                    Fail(context, i, $"tool_calls[{j}]", $"tool_calls[].function.name '{Truncate(call.Name)}' must be 1 to 64 letters, digits, '_' or '-'");
                }
            }

            for (var j = 0; j < (message.Parts?.Count ?? 0); j++)
            {
                if (message.Parts![j] is ImagePart image && !IsImageUrl(image.Url))
                {
                    Fail(context, i, $"content[{j}]", "image_url.url must be an http(s) URL or a data: URL");
                }
            }
        }
    }

    private static void Fail(ValidationContext<TRequest> context, int index, string field, string message) =>
        context.AddFailure(new ValidationFailure($"messages[{index}].{field}", message));

    private static bool IsImageUrl(string url) =>
        url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));

    /// <summary>
    /// The settings' rules, on the request itself rather than in a child validator: a child validator costs a validation
    /// context and a property path string per rule on every call. Names are the wire names, as before.
    /// </summary>
    private void SettingsRules()
    {
        RuleFor(x => x.Settings.Temperature).InclusiveBetween(0, 2).OverridePropertyName("temperature");
        RuleFor(x => x.Settings.TopP).InclusiveBetween(0, 1).OverridePropertyName("top_p");
        RuleFor(x => x.Settings.MaxTokens).GreaterThan(0).OverridePropertyName("max_tokens");
        RuleFor(x => x.Settings.PresencePenalty).InclusiveBetween(-2, 2).OverridePropertyName("presence_penalty");
        RuleFor(x => x.Settings.FrequencyPenalty).InclusiveBetween(-2, 2).OverridePropertyName("frequency_penalty");
        RuleFor(x => x.Settings.N)
            .InclusiveBetween(1, ChoiceFanOut.MaxChoices)
            .WithMessage($"n must be between 1 and {ChoiceFanOut.MaxChoices}: the hub asks the provider once per choice")
            .When(x => x.Settings.N is not null)
            .OverridePropertyName("n");
        RuleFor(x => x.Settings.Stop)
            .Must(s => s!.Count <= 4).WithMessage("stop may contain at most 4 sequences")
            .When(x => x.Settings.Stop is not null)
            .OverridePropertyName("stop");
        RuleFor(x => x.Settings.User).MaximumLength(256).Must(NoNul).WithMessage(NulMessage("user")).OverridePropertyName("user");
        RuleFor(x => x.Settings.Tools)
            .Must(t => t!.Count <= MaxTools).WithMessage($"tools may contain at most {MaxTools} functions")
            .Must(t => t!.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() == t!.Count).WithMessage("tools must not name the same function twice")
            .When(x => x.Settings.Tools is not null)
            .OverridePropertyName("tools");
        RuleForEach(x => x.Settings.Tools)
            .Must(t => IsFunctionName(t.Name))
            .WithMessage((_, t) => $"'{Truncate(t.Name)}' is not a valid function name: use 1 to 64 letters, digits, '_' or '-'")
            .OverridePropertyName("tools");
        RuleFor(x => x.Settings.ResponseFormat)
            .Must(f => IsFunctionName(f!.SchemaName)).WithMessage("response_format.json_schema.name is required: 1 to 64 letters, digits, '_' or '-'")
            .Must(f => f!.SchemaJson is not null).WithMessage("response_format.json_schema.schema is required")
            .When(x => x.Settings.ResponseFormat is { Kind: ResponseFormatKind.JsonSchema })
            .OverridePropertyName("response_format");
        OneOf(x => x.Settings.ReasoningEffort, "reasoning_effort", ["none", "minimal", "low", "medium", "high", "xhigh"]);
        OneOf(x => x.Settings.Verbosity, "verbosity", ["low", "medium", "high"]);
        OneOf(x => x.Settings.ServiceTier, "service_tier", ["auto", "default", "flex", "scale", "priority"]);
        RuleFor(x => x.Settings.TopLogprobs)
            .InclusiveBetween(0, 20)
            .Must((x, _) => x.Settings.Logprobs == true).WithMessage("top_logprobs requires logprobs: true")
            .When(x => x.Settings.TopLogprobs is not null)
            .OverridePropertyName("top_logprobs");
        RuleFor(x => x.Settings.LogitBias)
            .Must(b => b!.Count <= 1024).WithMessage("logit_bias may bias at most 1024 tokens")
            .Must(b => b!.All(p => p.Key.Length > 0 && p.Key.All(char.IsAsciiDigit))).WithMessage("logit_bias keys must be token ids (digits)")
            .Must(b => b!.Values.All(v => v is >= -100 and <= 100)).WithMessage("logit_bias values must be between -100 and 100")
            .When(x => x.Settings.LogitBias is not null)
            .OverridePropertyName("logit_bias");
        RuleFor(x => x.Settings.Metadata)
            .Must(m => m!.Count <= 16).WithMessage("metadata may hold at most 16 key-value pairs")
            .Must(m => m!.All(p => p.Key.Length is > 0 and <= 64)).WithMessage("metadata keys must be 1 to 64 characters")
            .Must(m => m!.Values.All(v => v.Length <= 512)).WithMessage("metadata values may be at most 512 characters")
            .Must(m => m!.All(p => NoNul(p.Key) && NoNul(p.Value))).WithMessage(NulMessage("metadata"))
            .When(x => x.Settings.Metadata is not null)
            .OverridePropertyName("metadata");
        RuleFor(x => x.Settings.Modalities)
            .Must(m => m!.All(x => x == "text"))
            .WithMessage("The hub answers with text only: modalities may only be [\"text\"]")
            .When(x => x.Settings.Modalities is not null)
            .OverridePropertyName("modalities");
        RuleFor(x => x.Settings.AudioJson)
            .Null().WithMessage("The hub answers with text only: audio output is not supported")
            .OverridePropertyName("audio");
        OneOf(x => x.Settings.PromptCacheRetention, "prompt_cache_retention", ["in-memory", "24h"], alias: "in_memory");
        RuleFor(x => x.Settings.SafetyIdentifier).MaximumLength(256).Must(NoNul).WithMessage(NulMessage("safety_identifier")).OverridePropertyName("safety_identifier");
        RuleFor(x => x.Settings.PromptCacheKey).MaximumLength(1024).OverridePropertyName("prompt_cache_key");
    }

    /// <summary>The call record keeps these fields, and PostgreSQL stores no U+0000 (NUL).</summary>
    private static bool NoNul(string? text) => text is null || !text.Contains('\0', StringComparison.Ordinal);

    private static string NulMessage(string field) => $"{field} must not contain the NUL character (\\u0000)";
}
