namespace AigneHub.Infrastructure.Providers.Demo;

/// <summary>
/// The demo provider, so a fresh install answers without any provider account. Its one model, <c>demo/echo</c>, answers
/// with the last user message, word by word when streamed. It counts one token per whitespace-separated word, for
/// the prompt (every message's text) and the answer alike, and honours max_tokens (finish_reason "length") and stop
/// sequences. It is labelled as a demo wherever it appears: provider "demo", fingerprint "aignehub-demo".
/// <para>
/// It also plays through tool calling and JSON mode, so clients can try both without a provider account: offered
/// tools, it calls one when tool_choice requires it (the named function, or the first one) or, with "auto", when the
/// last user message names a tool; the call's arguments are <c>{"input": "&lt;last user message&gt;"}</c>. When the
/// conversation ends with tool results it echoes the last result. With a JSON response format the answer is
/// <c>{"echo": "&lt;text&gt;"}</c>.
/// </para>
/// </summary>
internal sealed class DemoChatProvider(IOptions<DemoProviderOptions> options, TimeProvider time) : IChatProvider
{
    public const string EchoModel = "echo";
    public const string Fingerprint = "aignehub-demo";
    private const string EmptyAnswer = "(demo echo: the last user message had no text)";

    public string Name => ProviderNames.Demo;

    public bool Serves(string model) => model == EchoModel;

    public Task<Served<ChatCompletion>> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var answer = Answer(request);
        return Task.FromResult(Unkeyed(new ChatCompletion(
            NewId(),
            time.GetUtcNow(),
            Qualified(request.Model),
            answer.ToolCall is null ? string.Concat(answer.Words) : null,
            answer.FinishReason,
            answer.Usage,
            Fingerprint,
            answer.ToolCall is { } call ? [call] : null)));
    }

    /// <summary>The demo has no credential: its answers come back without one.</summary>
    public IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        UpdatesAsync(request, cancellationToken).Select(Unkeyed);

    private static Served<T> Unkeyed<T>(T value) => new(value, null);

    private async IAsyncEnumerable<ChatCompletionUpdate> UpdatesAsync(
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = Answer(request);
        var id = NewId();
        var created = time.GetUtcNow();
        var model = Qualified(request.Model);
        var delay = TimeSpan.FromMilliseconds(options.Value.WordDelayMs);

        yield return new ChatCompletionUpdate(id, created, model, "assistant", answer.ToolCall is null ? string.Empty : null, null, null, Fingerprint);
        if (answer.ToolCall is { } call)
        {
            // As OpenAI streams a call: id and name first, then the arguments in pieces.
            var half = call.Arguments.Length / 2;
            yield return new ChatCompletionUpdate(id, created, model, null, null, null, null, Fingerprint, [new ToolCallDelta(0, call.Id, call.Name, string.Empty)]);
            yield return new ChatCompletionUpdate(id, created, model, null, null, null, null, Fingerprint, [new ToolCallDelta(0, null, null, call.Arguments[..half])]);
            yield return new ChatCompletionUpdate(id, created, model, null, null, null, null, Fingerprint, [new ToolCallDelta(0, null, null, call.Arguments[half..])]);
        }

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
        // The echo model neither thinks nor samples: an effort or a penalty changes nothing, but it has no log
        // probabilities to give, and would not follow a bias or a length.
        ChatFieldRefusal.RefuseUnsupported(request.Settings, "The demo echo model", MappedChatFields.ReasoningEffort | MappedChatFields.Penalties);
        var promptTokens = request.Messages.Sum(m => CountWords(m.PlainText()));
        var lastUser = request.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.PlainText();
        var text = string.IsNullOrWhiteSpace(lastUser) ? EmptyAnswer : lastUser;

        if (request.Messages is [.., { Role: ChatRole.Tool } toolResult])
        {
            text = toolResult.PlainText();
        }
        else if (ToolToCall(request.Settings, lastUser) is { } tool)
        {
            var arguments = JsonSerializer.Serialize(new Dictionary<string, string> { ["input"] = lastUser ?? string.Empty });
            var call = new ToolCall("call_demo_" + Guid.NewGuid().ToString("N")[..24], tool, arguments);
            return new EchoAnswer([], "tool_calls", new TokenUsage(promptTokens, CountWords(arguments)), call);
        }

        if (request.Settings.ResponseFormat is { Kind: ResponseFormatKind.JsonObject or ResponseFormatKind.JsonSchema })
        {
            text = JsonSerializer.Serialize(new Dictionary<string, string> { ["echo"] = text });
        }

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

    /// <summary>The tool the demo calls, or null when it answers with text (see the class remarks).</summary>
    private static string? ToolToCall(ChatSettings settings, string? lastUser)
    {
        if (settings.Tools is not { Count: > 0 } tools)
        {
            return null;
        }

        return (settings.ToolChoice ?? ToolChoice.Auto).Mode switch
        {
            ToolChoiceMode.Function => settings.ToolChoice!.FunctionName,
            ToolChoiceMode.Required => tools[0].Name,
            ToolChoiceMode.Auto => tools.FirstOrDefault(t => lastUser?.Contains(t.Name, StringComparison.OrdinalIgnoreCase) == true)?.Name,
            _ => null,
        };
    }

    private sealed record EchoAnswer(List<string> Words, string FinishReason, TokenUsage Usage, ToolCall? ToolCall = null);
}
