namespace AigneHub.Application.Abstractions;

/// <summary>
/// The most tokens a prompt can count (see <c>PromptTokenBound</c>), counted the first time it is asked for. Counting
/// runs the model's tokenizer over the whole prompt: a credits-mode hold needs it before the call, but in enterprise
/// mode only a call cut short before its provider reported usage does, so the others never pay for it.
/// </summary>
public sealed class PromptBound
{
    private readonly Lazy<int> _tokens;

    public PromptBound(Func<int> count) => _tokens = new Lazy<int>(count, LazyThreadSafetyMode.PublicationOnly);

    private PromptBound(int tokens) => _tokens = new Lazy<int>(tokens);

    /// <summary>The bound, counted now if it was not yet.</summary>
    public int Tokens => _tokens.Value;

    /// <summary>A bound already known.</summary>
    public static PromptBound Of(int tokens) => new(tokens);

    /// <summary>The bound for <paramref name="choices"/> answers (each sends the prompt once), counted when asked for.</summary>
    public PromptBound Times(int choices) => new(() => Domain.Billing.HoldSizing.PerChoice(Tokens, choices));

    public static implicit operator PromptBound(int tokens) => Of(tokens);
}
