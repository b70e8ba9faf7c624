using AigneHub.Domain.Chat;
using AigneHub.Domain.Models;
using FluentValidation;

namespace AigneHub.Application.Chat.Common;

/// <summary>
/// Rules every chat call obeys, shared by the unary and streamed commands. Property names are the wire names
/// (snake_case) clients send, so an error can name the offending parameter.
/// </summary>
internal sealed class ChatRequestValidator : AbstractValidator<IChatRequest>
{
    public const int MaxMessages = 2048;

    public ChatRequestValidator()
    {
        RuleFor(x => x.Model)
            .NotEmpty().WithMessage("you must provide a model parameter")
            .Must(m => ModelName.TryParse(m, out _))
            .When(x => !string.IsNullOrEmpty(x.Model))
            .WithMessage(x => $"'{Truncate(x.Model)}' is not a valid model name: use \"provider/model\" (e.g. \"demo/echo\") or a bare model name")
            .OverridePropertyName("model");

        RuleFor(x => x.Messages)
            .NotEmpty().WithMessage("messages must contain at least one message")
            .Must(m => m.Count <= MaxMessages).WithMessage($"messages may contain at most {MaxMessages} messages")
            .OverridePropertyName("messages");

        RuleForEach(x => x.Messages)
            .SetValidator(new ChatMessageValidator())
            .OverridePropertyName("messages");

        RuleFor(x => x.Settings).SetValidator(new ChatSettingsValidator()).OverridePropertyName(string.Empty);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private sealed class ChatMessageValidator : AbstractValidator<ChatMessage>
    {
        public ChatMessageValidator()
        {
            RuleFor(m => m)
                .Must(m => m.HasContent)
                .When(m => m.Role is ChatRole.System or ChatRole.Developer or ChatRole.User or ChatRole.Tool)
                .WithMessage(m => $"a {m.Role.ToString().ToLowerInvariant()} message must have content")
                .OverridePropertyName("content");

            RuleFor(m => m.ToolCallId)
                .NotEmpty()
                .When(m => m.Role == ChatRole.Tool)
                .WithMessage("a tool message must name the tool_call_id it answers")
                .OverridePropertyName("tool_call_id");

            RuleForEach(m => m.Parts)
                .Must(p => p is not ImagePart image || IsImageUrl(image.Url))
                .WithMessage("image_url.url must be an http(s) URL or a data: URL")
                .OverridePropertyName("content");
        }

        private static bool IsImageUrl(string url) =>
            url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
            || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
    }

    private sealed class ChatSettingsValidator : AbstractValidator<ChatSettings>
    {
        public ChatSettingsValidator()
        {
            RuleFor(s => s.Temperature).InclusiveBetween(0, 2).OverridePropertyName("temperature");
            RuleFor(s => s.TopP).InclusiveBetween(0, 1).OverridePropertyName("top_p");
            RuleFor(s => s.MaxTokens).GreaterThan(0).OverridePropertyName("max_tokens");
            RuleFor(s => s.PresencePenalty).InclusiveBetween(-2, 2).OverridePropertyName("presence_penalty");
            RuleFor(s => s.FrequencyPenalty).InclusiveBetween(-2, 2).OverridePropertyName("frequency_penalty");
            RuleFor(s => s.N)
                .Equal(1).WithMessage("n must be 1: the hub does not return several choices yet")
                .When(s => s.N is not null)
                .OverridePropertyName("n");
            RuleFor(s => s.Stop)
                .Must(s => s!.Count <= 4).WithMessage("stop may contain at most 4 sequences")
                .When(s => s.Stop is not null)
                .OverridePropertyName("stop");
            RuleFor(s => s.User).MaximumLength(256).OverridePropertyName("user");
        }
    }
}
