namespace AigneHub.Application.Chat.Commands.CreateChatCompletion;

internal sealed class CreateChatCompletionCommandValidator : AbstractValidator<CreateChatCompletionCommand>
{
    public CreateChatCompletionCommandValidator() => Include(new ChatRequestValidator());
}
