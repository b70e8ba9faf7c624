namespace AigneHub.Application.Abstractions;

/// <summary>
/// How a provider counts a model's prompt, as far as the hub knows it: the model's own tokenizer where it is public
/// (OpenAI's models), and the most tokens one image in the prompt can count. Holds use it to bound a prompt from above
/// before the provider has counted it (see <c>PromptTokenBound</c> and docs/billing.md).
/// </summary>
public interface IPromptTokenizers
{
    /// <param name="provider">The provider that would serve the call (its tokenizer is only known for its own models).</param>
    /// <param name="model">The model id as the provider knows it (without the hub's provider prefix).</param>
    PromptTokenizer For(string provider, string model);
}

/// <param name="Text">
/// The model's own tokenizer, counting text exactly as the provider does (without the framing of messages); null when
/// the hub does not have it, and a prompt is bounded from its UTF-8 bytes instead.
/// </param>
/// <param name="MaxImageTokens">The most tokens one image part of a prompt can count for this model, whatever its size.</param>
public sealed record PromptTokenizer(ITextTokenCounter? Text, int MaxImageTokens);

/// <summary>A model's tokenizer. Implementations are thread-safe.</summary>
public interface ITextTokenCounter
{
    /// <summary>The tokens of <paramref name="text"/> as ordinary text, as the provider counts a message's content.</summary>
    int CountTokens(string text);
}
