using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Demo;

/// <summary>
/// The demo provider, so a fresh install answers without any provider account. Its one model, <c>demo/echo</c>, answers
/// with the last user message, word by word when streamed. It counts one token per whitespace-separated word, for
/// the prompt (every message's text) and the answer alike, and honours max_tokens (finish_reason "length") and stop
/// sequences. It is labelled as a demo wherever it appears: provider "demo", fingerprint "aignehub-demo".
/// </summary>
internal sealed class DemoChatProvider(IOptions<DemoProviderOptions> options, TimeProvider time) : IChatProvider
{
    public const string EchoModel = "echo";
    public const string Fingerprint = "aignehub-demo";
    private const string EmptyAnswer = "(demo echo: the last user message had no text)";

    public string Name => ProviderNames.Demo;

    public bool Serves(string model) => model == EchoModel;

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var answer = Answer(request);
        return Task.FromResult(new ChatCompletion(
            NewId(),
            time.GetUtcNow(),
            Qualified(request.Model),
            string.Concat(answer.Words),
            answer.FinishReason,
            answer.Usage,
            Fingerprint));
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = Answer(request);
        var id = NewId();
        var created = time.GetUtcNow();
        var model = Qualified(request.Model);
        var delay = TimeSpan.FromMilliseconds(options.Value.WordDelayMs);

        yield return new ChatCompletionUpdate(id, created, model, "assistant", string.Empty, null, null, Fingerprint);
        foreach (var word in answer.Words)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatCompletionUpdate(id, created, model, null, word, null, null, Fingerprint);
        }

        yield return new ChatCompletionUpdate(id, created, model, null, null, answer.FinishReason, null, Fingerprint);
        yield return new ChatCompletionUpdate(id, created, model, null, null, null, answer.Usage, Fingerprint);
    }

    private static string Qualified(string model) => ProviderNames.Demo + "/" + model;

    private static string NewId() => "chatcmpl-demo-" + Guid.NewGuid().ToString("N");

    private static EchoAnswer Answer(ProviderChatRequest request)
    {
        var promptTokens = request.Messages.Sum(m => CountWords(m.PlainText()));
        var lastUser = request.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.PlainText();
        var text = string.IsNullOrWhiteSpace(lastUser) ? EmptyAnswer : lastUser;

        var finishReason = "stop";
        foreach (var stop in request.Settings.Stop ?? [])
        {
            var at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0)
            {
                text = text[..at];
            }
        }

        var words = SplitWords(text);
        if (request.Settings.MaxTokens is { } max && words.Count > max)
        {
            words = words.GetRange(0, max);
            finishReason = "length";
        }

        return new EchoAnswer(words, finishReason, new TokenUsage(promptTokens, words.Count));
    }

    /// <summary>Splits into words that keep their leading whitespace, so concatenating them gives back the text.</summary>
    internal static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start && !string.IsNullOrWhiteSpace(text[start..i]))
            {
                words.Add(text[start..i]);
                start = i;
            }
        }

        return words;
    }

    internal static int CountWords(string text) => SplitWords(text).Count;

    private sealed record EchoAnswer(List<string> Words, string FinishReason, TokenUsage Usage);
}
