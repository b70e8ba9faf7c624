using System.Text;
using AigneHub.Domain.Chat;

namespace AigneHub.Application.Chat;

/// <summary>
/// The most tokens a provider can count for a prompt, before it has counted them: holds are sized from it, so it must
/// never be less than the provider's count. Where the hub has the model's own tokenizer the text is counted with it,
/// plus a margin for the framing the provider adds around messages and tools; otherwise the text counts as its UTF-8
/// bytes, which no byte-level BPE or byte-fallback tokenizer (OpenAI's, Anthropic's, Gemini's, Llama's) exceeds, plus
/// a larger margin for framing the hub cannot see (an open model's chat template, Anthropic's tool-use system prompt).
/// Images count the model's maximum per image, since the hub does not look at their size.
/// </summary>
internal sealed class PromptTokenBound(IPromptTokenizers tokenizers)
{
    /// <summary>Per message (or per text of an embedding call): role markers, separators, a name.</summary>
    internal const int MessageFraming = 8;

    /// <summary>Per call, with the model's tokenizer: OpenAI primes every reply with 3 tokens.</summary>
    internal const int KnownCallFraming = 16;

    /// <summary>Per call, without it: an open model's chat template (a beginning-of-text marker, a default system header).</summary>
    internal const int UnknownCallFraming = 64;

    /// <summary>Per call that offers tools or asks for JSON, with the model's tokenizer: the tools' namespace wrapping.</summary>
    internal const int KnownToolFraming = 128;

    /// <summary>
    /// Per call that offers tools or asks for JSON, without it: Anthropic adds a tool-use system prompt of about 350
    /// tokens (and answers JSON through a tool), open models' templates add their own instructions.
    /// </summary>
    internal const int UnknownToolFraming = 1_024;

    /// <summary>Per tool definition, tool call or schema: its own separators and keywords.</summary>
    internal const int ItemFraming = 16;

    /// <summary>The bound over every provider that may serve the call: the largest of their bounds.</summary>
    public int ForChat(IEnumerable<string> providers, string model, IReadOnlyList<ChatMessage> messages, ChatSettings settings) =>
        ForChat(providers, model, messages, settings, textAsBytes: false);

    /// <summary>
    /// A bound never below <see cref="ForChat(IEnumerable{string}, string, IReadOnlyList{ChatMessage}, ChatSettings)"/>
    /// that runs no tokenizer: where the model's tokenizer is known, a text counts as its UTF-8 bytes (a byte-level BPE
    /// token such as OpenAI's is at least one byte), with the same framing. Counting bytes is a small fraction of a
    /// tokenizer's work, so a hold that a larger bound does not hurt (one served from a balance lease) is sized with it.
    /// </summary>
    public int UpperForChat(IEnumerable<string> providers, string model, IReadOnlyList<ChatMessage> messages, ChatSettings settings) =>
        ForChat(providers, model, messages, settings, textAsBytes: true);

    private int ForChat(IEnumerable<string> providers, string model, IReadOnlyList<ChatMessage> messages, ChatSettings settings, bool textAsBytes)
    {
        var bound = 0;
        foreach (var provider in providers)
        {
            bound = Math.Max(bound, Of(tokenizers.For(provider, model), messages, settings, textAsBytes));
        }

        return bound;
    }

    /// <summary>The bound for plain texts (embedding inputs, an image prompt) over every provider that may serve the call.</summary>
    public int ForTexts(IEnumerable<string> providers, string model, IReadOnlyCollection<string> texts) =>
        providers.Select(p => Of(tokenizers.For(p, model), texts)).DefaultIfEmpty(0).Max();

    /// <summary>The most tokens <paramref name="count"/> input images can count, over every provider that may serve the call.</summary>
    public int ForImages(IEnumerable<string> providers, string model, int count) =>
        count <= 0 ? 0 : (int)Math.Min((long)providers.Select(p => tokenizers.For(p, model).MaxImageTokens).DefaultIfEmpty(0).Max() * count, int.MaxValue);

    /// <param name="textAsBytes">Count text by its UTF-8 bytes even where the model's tokenizer is known (never fewer tokens).</param>
    internal static int Of(PromptTokenizer tokenizer, IReadOnlyList<ChatMessage> messages, ChatSettings settings, bool textAsBytes = false)
    {
        var known = tokenizer.Text is not null;
        long tokens = known ? KnownCallFraming : UnknownCallFraming;
        foreach (var message in messages)
        {
            tokens += MessageFraming + Count(tokenizer, message.Name, textAsBytes) + Count(tokenizer, message.ToolCallId, textAsBytes);
            if (message.Text is { } text)
            {
                tokens += Count(tokenizer, text, textAsBytes);
            }

            foreach (var part in message.Parts ?? [])
            {
                // Each part is a block of its own upstream: counted apart, with a separator's worth of framing.
                tokens += part switch
                {
                    TextPart t => Count(tokenizer, t.Text, textAsBytes) + 1,
                    ImagePart => tokenizer.MaxImageTokens,
                    _ => 0,
                };
            }

            foreach (var call in message.ToolCalls ?? [])
            {
                tokens += ItemFraming + Count(tokenizer, call.Id, textAsBytes) + Count(tokenizer, call.Name, textAsBytes)
                    + Count(tokenizer, call.Arguments, textAsBytes);
            }
        }

        var tooled = settings.Tools is { Count: > 0 } || settings.ResponseFormat is { Kind: not ResponseFormatKind.Text };
        if (tooled)
        {
            tokens += known ? KnownToolFraming : UnknownToolFraming;
        }

        foreach (var tool in settings.Tools ?? [])
        {
            tokens += ItemFraming + Count(tokenizer, tool.Name, textAsBytes) + Count(tokenizer, tool.Description, textAsBytes)
                + Count(tokenizer, tool.ParametersJson, textAsBytes);
        }

        if (settings.ToolChoice is { FunctionName: { } function })
        {
            tokens += ItemFraming + Count(tokenizer, function, textAsBytes);
        }

        if (settings.ResponseFormat is { Kind: not ResponseFormatKind.Text } format)
        {
            tokens += ItemFraming + Count(tokenizer, format.SchemaName, textAsBytes) + Count(tokenizer, format.Description, textAsBytes)
                + Count(tokenizer, format.SchemaJson, textAsBytes);
        }

        return Saturate(tokens);
    }

    internal static int Of(PromptTokenizer tokenizer, IEnumerable<string> texts)
    {
        long tokens = 0;
        foreach (var text in texts)
        {
            tokens += MessageFraming + Count(tokenizer, text);
        }

        return Saturate(tokens);
    }

    /// <summary>
    /// A text's tokens with the model's tokenizer (its UTF-8 bytes with <paramref name="textAsBytes"/>, never fewer);
    /// without it, its UTF-8 bytes, or the bytes of its compatibility normal form (NFKC) when that is longer, since some
    /// tokenizers normalise before counting and a few characters (U+FDFA, ligatures) expand to many.
    /// </summary>
    internal static long Count(PromptTokenizer tokenizer, string? text, bool textAsBytes = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (tokenizer.Text is { } counter)
        {
            return textAsBytes ? Encoding.UTF8.GetByteCount(text) : counter.CountTokens(text);
        }

        var bytes = Encoding.UTF8.GetByteCount(text);
        if (Ascii.IsValid(text))
        {
            return bytes;
        }

        try
        {
            return Math.Max(bytes, Encoding.UTF8.GetByteCount(text.Normalize(NormalizationForm.FormKC)));
        }
        catch (ArgumentException)
        {
            // Not normalisable (a lone surrogate): no tokenizer normalises it either.
            return bytes;
        }
    }

    private static int Saturate(long tokens) => (int)Math.Min(tokens, int.MaxValue);
}
