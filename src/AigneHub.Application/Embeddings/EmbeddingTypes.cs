namespace AigneHub.Application.Embeddings;

/// <summary>What an embedding adapter is asked for.</summary>
/// <param name="Model">The provider's own model id (no hub prefix).</param>
/// <param name="Inputs">The texts to embed, in order; the answer has one vector per input, in the same order.</param>
/// <param name="Dimensions">The vector length asked for, for models that can shorten their vectors; null for the model's own.</param>
/// <param name="User">The end user's id, passed on to providers that take one (abuse monitoring).</param>
public sealed record ProviderEmbeddingRequest(string Model, IReadOnlyList<string> Inputs, int? Dimensions, string? User);

/// <summary>Vectors, one per input and in input order.</summary>
/// <param name="Model">The model that answered, as the hub names it ("provider/model").</param>
/// <param name="Usage">Prompt tokens as the provider reported them (zero when it reports none); no completion tokens.</param>
/// <param name="CreditsCharged">Credits the call cost the caller (credits mode); null when nothing was charged.</param>
/// <param name="CreditPrefix">The currency prefix that labels credits, when charged.</param>
public sealed record EmbeddingResult(string Model, IReadOnlyList<float[]> Vectors, TokenUsage Usage, decimal? CreditsCharged = null, string? CreditPrefix = null);
