namespace AigneHub.Application.ModelCalls;

/// <summary>
/// A message that calls a model through a provider (chat, embeddings, images, and any later call type). Every one
/// passes the same admission before its handler runs (<see cref="Access.ModelCallAdmissionBehaviour{TMessage,TResponse}"/>:
/// an authenticated caller, the inference scope, the key's model allow-list, the rate limits), on every surface,
/// unary and streamed; its handler then holds credits before the first provider call. The architecture tests fail
/// when a handler reaches a provider for a message that does not carry this marker.
/// </summary>
public interface IModelCall
{
    /// <summary>The model as the caller named it ("provider/model" or a bare name): what the allow-list is checked against.</summary>
    string Model { get; }

    /// <summary>
    /// The tokens the call may use, estimated before it is made (prompt characters / 4, plus what the output may use
    /// where the call type has output tokens): rate limits count it at admission and replace it with the usage the
    /// provider reports when the call ends.
    /// </summary>
    int EstimateTokens();
}
