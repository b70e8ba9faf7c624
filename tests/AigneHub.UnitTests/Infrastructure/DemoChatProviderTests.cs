using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.Infrastructure.Providers.Demo;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Infrastructure;

public sealed class DemoChatProviderTests
{
    private static readonly DemoChatProvider Demo = new(Options.Create(new DemoProviderOptions { WordDelayMs = 0 }), TimeProvider.System);

    private static ProviderChatRequest Request(ChatSettings? settings = null, params ChatMessage[] messages) =>
        new("echo", messages.Length > 0 ? messages : [new ChatMessage(ChatRole.User, "hello  demo world")], settings ?? ChatSettings.Default);

    [Fact]
    public async Task Echoes_the_last_user_message_and_counts_words_as_tokens()
    {
        var (completion, _) = await Demo.CompleteAsync(
            Request(null, new ChatMessage(ChatRole.System, "be kind"), new ChatMessage(ChatRole.User, "first"), new ChatMessage(ChatRole.User, "hello  demo world")),
            CancellationToken.None);

        Assert.Equal("hello  demo world", completion.Content);
        Assert.Equal("demo/echo", completion.Model);
        Assert.Equal((6, 3), (completion.Usage.PromptTokens, completion.Usage.CompletionTokens));
        Assert.Equal(DemoChatProvider.Fingerprint, completion.SystemFingerprint);
    }

    [Fact]
    public async Task Streams_word_by_word_and_the_words_rebuild_the_answer()
    {
        var updates = new List<ChatCompletionUpdate>();
        await foreach (var update in Demo.StreamAsync(Request(), CancellationToken.None))
        {
            updates.Add(update.Value);
        }

        Assert.Equal("assistant", updates[0].Role);
        Assert.Equal(["hello", "  demo", " world"], updates.Skip(1).Take(3).Select(u => u.ContentDelta));
        Assert.Equal("stop", updates[^2].FinishReason);
        Assert.Equal(3, updates[^1].Usage!.Value.CompletionTokens);
    }

    [Fact]
    public async Task Max_tokens_cuts_the_answer_with_finish_reason_length()
    {
        var (completion, _) = await Demo.CompleteAsync(Request(new ChatSettings { MaxTokens = 2 }), CancellationToken.None);

        Assert.Equal(("hello  demo", "length", 2), (completion.Content, completion.FinishReason, completion.Usage.CompletionTokens));
    }

    [Fact]
    public async Task Stop_sequence_ends_the_answer_before_it()
    {
        var (completion, _) = await Demo.CompleteAsync(Request(new ChatSettings { Stop = ["world"] }), CancellationToken.None);

        // The text before the stop sequence, without the whitespace that only separated it.
        Assert.Equal(("hello  demo", "stop"), (completion.Content, completion.FinishReason));
    }

    [Fact]
    public void Serves_only_the_echo_model()
    {
        Assert.True(Demo.Serves("echo"));
        Assert.False(Demo.Serves("gpt-4o"));
    }
}
