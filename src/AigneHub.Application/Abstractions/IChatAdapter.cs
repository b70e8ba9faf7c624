namespace AigneHub.Application.Abstractions;

/// <summary>
/// One provider wire protocol (OpenAI Chat Completions, Anthropic Messages, Gemini, Bedrock Converse, …). An adapter
/// is stateless about providers and credentials: every call names the target, so the layer above can choose and
/// rotate credentials and fail over. Adapters throw <see cref="Errors.UpstreamException"/> for every upstream
/// failure, let the caller's cancellation surface as <see cref="OperationCanceledException"/>, and name models as
/// the hub does ("provider/model") in what they return.
/// </summary>
public interface IChatAdapter
{
    /// <summary>The protocol's name, e.g. "openai-chat", "anthropic-messages".</summary>
    string Protocol { get; }

    Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the answer. Failures before the first update throw from the first MoveNextAsync; disposing the
    /// enumerator early must release the upstream connection (the upstream sees the cancellation).
    /// </summary>
    IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken);
}

/// <summary>Where and as whom one call goes.</summary>
/// <param name="Provider">The provider's name (the prefix of the models it returns, e.g. "anthropic").</param>
/// <param name="BaseUrl">The API root, e.g. https://api.anthropic.com (the adapter appends its paths).</param>
/// <param name="Region">The cloud region, for providers that have one (bedrock).</param>
public sealed record ProviderTarget(string Provider, Uri BaseUrl, string? Region, ProviderCredential Credential);

/// <summary>
/// A decrypted credential, held only in memory for the length of a call. <see cref="ToString"/> is masked so a stray
/// log line or exception message never shows it.
/// </summary>
public sealed record ProviderCredential
{
    private ProviderCredential(string id, string? apiKey, string? accessKeyId, string? secretAccessKey)
    {
        Id = id;
        ApiKey = apiKey;
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
    }

    /// <summary>The credential's id (not secret): it names the credential in logs, events and call records.</summary>
    public string Id { get; }

    public string? ApiKey { get; }

    public string? AccessKeyId { get; }

    public string? SecretAccessKey { get; }

    public static ProviderCredential ForApiKey(string id, string apiKey) => new(id, apiKey, null, null);

    public static ProviderCredential ForAccessKeyPair(string id, string accessKeyId, string secretAccessKey) =>
        new(id, null, accessKeyId, secretAccessKey);

    public override string ToString() => $"ProviderCredential {{ Id = {Id} }}";
}
