namespace AigneHub.Application.Chat.Commands.StreamChatCompletion;

internal sealed class StreamChatCompletionCommandValidator : AbstractValidator<StreamChatCompletionCommand>
{
    public StreamChatCompletionCommandValidator() => Include(new ChatRequestValidator());
}
