using System.Collections.Frozen;
using Microsoft.ML.Tokenizers;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// The prompt tokenizers the hub knows: OpenAI's public encodings (o200k_base, cl100k_base, from
/// Microsoft.ML.Tokenizers) for OpenAI's own models called through the openai provider, and for every model the most
/// tokens one image can count. Another provider's count of the same model name may differ (its own framing, its own
/// tokenizer), so a model served elsewhere gets no tokenizer and is bounded from its bytes.
/// </summary>
internal sealed class PromptTokenizers : IPromptTokenizers
{
    /// <summary>
    /// An image of a model without a known per-image maximum: four times the largest image Anthropic's models count
    /// (about 1,600 tokens), and 24 of Gemini's 258-token tiles.
    /// </summary>
    public const int DefaultMaxImageTokens = 6_400;

    /// <summary>
    /// gpt-4o-mini counts an image as 2,833 tokens plus 5,667 per 512-pixel tile, at most 8 tiles (OpenAI's vision
    /// guide): its per-token price is low and its image counts are high, so the default would be far below them.
    /// </summary>
    public const int Gpt4oMiniMaxImageTokens = 2_833 + (8 * 5_667);

    // Model families and their encoding, as tiktoken maps OpenAI's models; the longest matching family wins. A family
    // matches its own id and ids that continue it with '-' or ':' (dates, sizes, fine-tunes); one ending in '.' matches
    // every id that starts with it. A model none of them matches gets no tokenizer, never a guess.
    private static readonly (string Family, string Encoding)[] OpenAIEncodings =
    [
        ("gpt-4o", "o200k_base"), ("chatgpt-4o", "o200k_base"), ("ft:gpt-4o", "o200k_base"),
        ("gpt-4.1", "o200k_base"), ("gpt-4.5", "o200k_base"), ("gpt-5", "o200k_base"), ("gpt-5.", "o200k_base"),
        ("o1", "o200k_base"), ("o3", "o200k_base"), ("o4", "o200k_base"),
        ("gpt-4", "cl100k_base"), ("ft:gpt-4", "cl100k_base"), ("gpt-3.5", "cl100k_base"), ("gpt-35", "cl100k_base"),
        ("ft:gpt-3.5", "cl100k_base"), ("text-embedding-3", "cl100k_base"), ("text-embedding-ada-002", "cl100k_base"),
    ];

    private static readonly FrozenDictionary<string, Lazy<ITextTokenCounter>> Encodings = new Dictionary<string, Lazy<ITextTokenCounter>>
    {
        ["o200k_base"] = new(() => new TiktokenCounter(TiktokenTokenizer.CreateForEncoding("o200k_base"))),
        ["cl100k_base"] = new(() => new TiktokenCounter(TiktokenTokenizer.CreateForEncoding("cl100k_base"))),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public PromptTokenizer For(string provider, string model) =>
        new(provider == ProviderNames.OpenAI ? OpenAITokenizer(model) : null, MaxImageTokens(model));

    /// <summary>The encoding tiktoken uses for an OpenAI model id, or null for a model it does not know.</summary>
    internal static string? EncodingOf(string model)
    {
        string? encoding = null;
        var longest = 0;
        foreach (var (family, name) in OpenAIEncodings)
        {
            if (family.Length > longest && IsOfFamily(model, family))
            {
                (encoding, longest) = (name, family.Length);
            }
        }

        return encoding;
    }

    private static ITextTokenCounter? OpenAITokenizer(string model) => EncodingOf(model) is { } encoding ? Encodings[encoding].Value : null;

    /// <summary>"gpt-4o" matches "gpt-4o", "gpt-4o-mini" and "gpt-4o-2024-08-06", not "gpt-4omega"; "gpt-4" not "gpt-4.2".</summary>
    private static bool IsOfFamily(string model, string family) =>
        model.StartsWith(family, StringComparison.Ordinal)
        && (model.Length == family.Length || family[^1] == '.' || model[family.Length] is '-' or ':');

    private static int MaxImageTokens(string model)
    {
        // Routers name the model after their own prefix ("openai/gpt-4o-mini"); the count is still the model's.
        var id = model[(model.LastIndexOf('/') + 1)..];
        return id.StartsWith("gpt-4o-mini", StringComparison.OrdinalIgnoreCase) ? Gpt4oMiniMaxImageTokens : DefaultMaxImageTokens;
    }

    private sealed class TiktokenCounter(Tokenizer tokenizer) : ITextTokenCounter
    {
        /// <summary>
        /// The encoder would read "&lt;|endoftext|&gt;" in a text as one special token, where OpenAI counts a message's
        /// text as ordinary text (several tokens): such a text is counted by its bytes, which is never less.
        /// </summary>
        public int CountTokens(string text) =>
            text.Contains("<|", StringComparison.Ordinal) ? Encoding.UTF8.GetByteCount(text) : tokenizer.CountTokens(text);
    }
}
