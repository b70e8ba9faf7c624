using AigneHub.Application.Chat.Common;
using FluentValidation;

namespace AigneHub.Application.Chat.Commands.CreateChatCompletion;

internal sealed class CreateChatCompletionCommandValidator : AbstractValidator<CreateChatCompletionCommand>
{
    public CreateChatCompletionCommandValidator() => Include(new ChatRequestValidator());
}
