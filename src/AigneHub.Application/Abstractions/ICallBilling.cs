namespace AigneHub.Application.Abstractions;

/// <summary>
/// Billing on the call path: every inference handler holds before calling a provider and settles afterwards, and
/// knows nothing else about credits. In enterprise mode nothing is held or refused, but the call is still costed in
/// US dollars from the rate's unit costs.
/// </summary>
public interface ICallBilling
{
    /// <summary>
    /// Prices the call, and in credits mode holds the most it can cost on the caller's account: for a chat call, its
    /// prompt bound and the output tokens it asked for (or the default hold size), lowered to what the account can
    /// pay for (<see cref="CallHold.OutputTokenLimit"/>, which the provider must be sent as max_tokens). Throws
    /// <c>UnauthenticatedException</c> (credits mode without a caller), <c>RequestValidationException</c> (no provider
    /// of the model has a rate) or <c>InsufficientCreditsException</c> (not even the prompt and one output token fit),
    /// all before any provider is called.
    /// </summary>
    Task<CallHold> HoldAsync(CallEstimate estimate, CancellationToken cancellationToken);

    /// <summary>
    /// Charges the exact cost of what <paramref name="provider"/> produced (tokens, and <paramref name="images"/> for
    /// image calls), priced at the rate version the hold was priced with, and returns the rest of the hold. Idempotent
    /// by call id; a call whose hold was released meanwhile (recovery found no live owner) is still charged. With
    /// <paramref name="atMostTheHold"/> (a stream the hub ended at its hold) the charge is the cost or the hold,
    /// whichever is less.
    /// </summary>
    Task<CallCharge> CaptureAsync(CallHold hold, string provider, TokenUsage usage, int images, bool atMostTheHold, CancellationToken cancellationToken);

    /// <summary>Returns the whole hold (the call failed and nothing is charged).</summary>
    Task ReleaseAsync(CallHold hold, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Prices a call answered from the response cache: <paramref name="fraction"/> of what <paramref name="usage"/> costs
    /// on <paramref name="provider"/>'s current rate version, which the answer cites; in credits mode held and captured
    /// on the caller's account (<c>InsufficientCreditsException</c> when the balance cannot pay it). No provider is paid.
    /// </summary>
    Task<CacheHitCharge> ChargeCacheHitAsync(
        string callId, CallType type, string provider, string model, TokenUsage usage, decimal fraction, CancellationToken cancellationToken);
}

/// <summary>What a cache hit was charged, what it saved against its original, and the rate version that priced it.</summary>
/// <param name="Credits">Charged to the caller (credits mode); null when nothing is billed in credits.</param>
/// <param name="SavedCredits">The original's cost less <paramref name="Credits"/> (credits mode); null otherwise.</param>
/// <param name="SavedUsd">What the provider would have charged for the usage, from the rate's unit costs; null without them.</param>
public sealed record CacheHitCharge(decimal? Credits, decimal? SavedCredits, decimal? SavedUsd, string? RateId, int? RateVersion)
{
    public static readonly CacheHitCharge None = new(null, null, null, null, null);
}

/// <param name="CallId">Unique per call: holds and captures are keyed by it.</param>
/// <param name="Model">The model id as providers know it (without the provider prefix).</param>
/// <param name="Providers">The providers that may serve the call, in routing order.</param>
/// <param name="PromptTokens">The most tokens the prompt can count, per choice (see <c>PromptTokenBound</c>), counted when first needed.</param>
/// <param name="MaxOutputTokens">The caller's max_tokens (for image calls: the images asked for); null uses the configured default hold size.</param>
/// <param name="RequestedModel">The name the caller used, for messages.</param>
/// <param name="Choices">How many answers a chat call asks for (OpenAI's n): each is a provider call of its own, so the
/// prompt and the output are held once per choice.</param>
public sealed record CallEstimate(
    string CallId, CallType Type, string Model, IReadOnlyList<string> Providers, PromptBound PromptTokens, int? MaxOutputTokens, string RequestedModel,
    int Choices = 1)
{
    /// <summary>
    /// The fallback models the call may move on to (their providers, and the prompt bound for each), so the hold
    /// covers the dearest model of the chain: a call that falls back to a pricier model is still paid for by its hold.
    /// </summary>
    public IReadOnlyList<FallbackEstimate> Fallbacks { get; init; } = [];

    /// <summary>The processing tier a chat call asks its provider for (OpenAI's service_tier); null for the provider's default.</summary>
    public string? ServiceTier { get; init; }
}

/// <summary>A fallback model of a call (<see cref="CallEstimate.Fallbacks"/>): its id as providers know it, its providers, its prompt bound.</summary>
public sealed record FallbackEstimate(string Model, IReadOnlyList<string> Providers, int PromptTokens);

/// <param name="Providers">The providers allowed to serve the call: in credits mode only those with a rate.</param>
/// <param name="HeldCredits">The credits held; null when nothing was held (enterprise mode).</param>
/// <param name="EstimatedPromptTokens">The prompt bound over all choices, charged for a call cut short before the provider
/// reported its usage, and in credits mode for a call whose provider reported none.</param>
/// <param name="Rates">The rate version of each provider that priced the hold (credits mode): the capture prices the
/// call with the same version, however the rate changes while the call runs.</param>
public sealed record CallHold(
    string CallId, string? UserId, CallType Type, string Model, IReadOnlyList<string> Providers, decimal? HeldCredits, PromptBound EstimatedPromptTokens,
    IReadOnlyDictionary<string, Domain.Billing.ModelRate>? Rates = null)
{
    public bool IsHeld => HeldCredits is not null;

    /// <summary>
    /// The output tokens per choice that the hold pays for: a chat call sends them upstream as its max_tokens. Null
    /// when nothing was held (enterprise mode) or the call produces no tokens (embeddings, images).
    /// </summary>
    public int? OutputTokenLimit { get; init; }

    /// <summary>The rate that priced the hold for <paramref name="provider"/>; null when none did (enterprise mode).</summary>
    public Domain.Billing.ModelRate? RateOf(string provider) => Rates is not null && Rates.TryGetValue(provider, out var rate) ? rate : null;

    /// <summary>What the call reserved on the spend budgets that apply to it; settled with the call's cost when it is captured or released.</summary>
    public AigneHub.Application.Abstractions.BudgetReservation Budget { get; init; } = AigneHub.Application.Abstractions.BudgetReservation.None;

    /// <summary>The fallback models the hold also covers (in credits mode only those with a rate), each with its providers and rates.</summary>
    public IReadOnlyList<HeldFallback> Fallbacks { get; init; } = [];

    /// <summary>
    /// The same hold, for the model that served the call: a fallback model's id, providers and rates, so the capture
    /// and a stream's ceiling price what was served. The call's own model returns the hold as it is.
    /// </summary>
    public CallHold ForModel(string model) =>
        Fallbacks.FirstOrDefault(f => f.Model == model && model != Model) is { } fallback
            ? this with { Model = fallback.Model, Providers = fallback.Providers, Rates = fallback.Rates }
            : this;
}

/// <summary>A fallback model a hold covers: the providers that may serve it and (credits mode) the rate of each.</summary>
public sealed record HeldFallback(string Model, IReadOnlyList<string> Providers, IReadOnlyDictionary<string, Domain.Billing.ModelRate>? Rates);

/// <summary>What a call cost: credits charged (credits mode), US dollars from unit costs, and the rate version that priced it.</summary>
public sealed record CallCharge(decimal? Credits, decimal? CostUsd, string? RateId, int? RateVersion)
{
    public static readonly CallCharge None = new(null, null, null, null);
}

/// <summary>
/// The most tokens a prompt can count (see <c>PromptTokenBound</c>), counted the first time it is asked for. Counting
/// runs the model's tokenizer over the whole prompt: a credits-mode hold served from a direct ledger hold needs it
/// before the call, but a hold served from a balance lease only needs <see cref="Upper"/>, and in enterprise mode only
/// a call cut short before its provider reported usage needs it, so the others never pay for it.
/// </summary>
public sealed class PromptBound
{
    private readonly Lazy<int> _tokens;
    private readonly Func<int>? _upper;

    /// <param name="count">Counts the bound (with the model's tokenizer where the hub has it).</param>
    /// <param name="upper">
    /// A bound never below <paramref name="count"/>'s that runs no tokenizer (e.g. the UTF-8 bytes of the texts); without
    /// it, <see cref="Upper"/> counts.
    /// </param>
    public PromptBound(Func<int> count, Func<int>? upper = null) =>
        (_tokens, _upper) = (new Lazy<int>(count, LazyThreadSafetyMode.PublicationOnly), upper);

    private PromptBound(int tokens) => _tokens = new Lazy<int>(tokens);

    /// <summary>The bound, counted now if it was not yet.</summary>
    public int Tokens => _tokens.Value;

    /// <summary>
    /// A bound no less than <see cref="Tokens"/> that costs no tokenizer run: <see cref="Tokens"/> itself once it is
    /// counted or when there is no cheaper bound.
    /// </summary>
    public int Upper => _upper is null || _tokens.IsValueCreated ? Tokens : _upper();

    /// <summary>A bound already known.</summary>
    public static PromptBound Of(int tokens) => new(tokens);

    /// <summary>The bound for <paramref name="choices"/> answers (each sends the prompt once), counted when asked for.</summary>
    public PromptBound Times(int choices) => new(() => Domain.Billing.HoldSizing.PerChoice(Tokens, choices));

    public static implicit operator PromptBound(int tokens) => Of(tokens);
}
