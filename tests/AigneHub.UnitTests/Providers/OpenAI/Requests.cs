using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;

namespace AigneHub.UnitTests.Providers.OpenAI;

internal static class Requests
{
    public static ProviderChatRequest Hello(string model = "gpt-4o-mini") =>
        new(model, [new ChatMessage(ChatRole.User, "Hello there")], ChatSettings.Default);
}
