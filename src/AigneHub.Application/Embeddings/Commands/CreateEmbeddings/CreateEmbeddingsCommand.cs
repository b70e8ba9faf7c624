using AigneHub.Application.ModelCalls;
using AigneHub.Application.Embeddings;

namespace AigneHub.Application.Embeddings.Commands.CreateEmbeddings;

/// <summary>Turn texts into vectors. How the vectors are encoded on the wire (floats, base64) is the edge's business.</summary>
/// <param name="RequestId">The edge's request id: it ties the call record to logs and to the client's x-request-id.</param>
/// <param name="Model">"provider/model" or a bare model name.</param>
/// <param name="Inputs">One or more texts (OpenAI's "input", a string or an array of strings).</param>
public sealed record CreateEmbeddingsCommand(
    string RequestId,
    string Model,
    IReadOnlyList<string> Inputs,
    int? Dimensions,
    string? User) : ICommand<EmbeddingResult>, IModelCall
{
    /// <summary>The inputs' tokens (embeddings have no output tokens).</summary>
    public int EstimateTokens() => Math.Max(1, PromptTokenEstimate.Of(Inputs));
}
