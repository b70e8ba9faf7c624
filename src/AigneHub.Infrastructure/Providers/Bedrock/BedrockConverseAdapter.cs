namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// Amazon Bedrock's Converse protocol: <c>POST {endpoint}/model/{modelId}/converse</c> (JSON) and
/// <c>/converse-stream</c> (binary <c>application/vnd.amazon.eventstream</c>), signed with AWS Signature V4 by the
/// target's access key pair for its region. The adapter writes and signs the request, parses the answer and classifies
/// an error answer; the <see cref="UpstreamTransport"/> does the HTTP exchange (deadlines, error body, transport
/// failures, logging).
/// </summary>
internal sealed class BedrockConverseAdapter(UpstreamTransport transport, IOptions<BedrockAdapterOptions> options) : IChatAdapter
{
    public const string ProtocolName = "bedrock-converse";

    public const string HttpClientName = ProtocolName;

    /// <summary>The SigV4 service name of Bedrock Runtime.</summary>
    public const string SigningService = "bedrock";

    private const string RequestIdHeader = "x-amzn-RequestId";
    private const string ErrorTypeHeader = "x-amzn-ErrorType";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly SigV4Signer _signer = new(transport.Time);

    public string Protocol => ProtocolName;

    public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, options.Value);
        return transport.SendAsync(
            call.Upstream,
            () => CreateRequest(call, stream: false),
            (response, body) => Failure(call, response, body),
            (response, body) => BedrockConverseResponseParser.ParseConverse(body, ResponseId(response), call.Model, transport.Time.GetUtcNow()),
            static completion => completion.Usage,
            cancellationToken);
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, options.Value);
        await using var stream = await transport.OpenStreamAsync(
            call.Upstream,
            () => CreateRequest(call, stream: true),
            (response, body) => Failure(call, response, body),
            body => new EventStreamReader(body, call.Provider),
            cancellationToken).ConfigureAwait(false);

        var parser = new BedrockConverseStreamParser(ResponseId(stream.Response), call.Model, transport.Time.GetUtcNow());
        while (await stream.ReadNextAsync().ConfigureAwait(false))
        {
            var update = ParseMessage(call, parser, stream.Events.Current!);
            if (update is not null)
            {
                yield return update;
            }

            if (parser.SawMessageStop && parser.Usage is not null)
            {
                // metadata follows messageStop and ends the answer; the body's end is not worth waiting for.
                break;
            }
        }

        if (!parser.SawMessageStop)
        {
            throw transport.StreamEndedEarly(call.Upstream);
        }

        var usageUpdate = parser.UsageUpdate();
        transport.StreamFinished(call.Upstream, usageUpdate?.Usage);
        if (usageUpdate is { Usage: not null })
        {
            yield return usageUpdate;
        }
    }

    private string ResponseId(HttpResponseMessage response) =>
        response.Headers.TryGetValues(RequestIdHeader, out var values) && values.FirstOrDefault() is { Length: > 0 and <= 128 } id
            ? id
            : "bedrock-" + Guid.CreateVersion7(transport.Time.GetUtcNow()).ToString("N");

    private HttpRequestMessage CreateRequest(Call call, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        try
        {
            BedrockConverseRequestWriter.Write(body, call.Request);
        }
        catch (NotSupportedException ex)
        {
            throw new UpstreamException(ErrorKind.UpstreamRejected, call.Provider, $"The {call.Provider} provider cannot take this request: {ex.Message}");
        }

        var payload = body.WrittenMemory;
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = JsonContentType;

        var message = new HttpRequestMessage(HttpMethod.Post, stream ? call.StreamEndpoint : call.Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("Accept", stream ? "application/vnd.amazon.eventstream" : "application/json");
        _signer.Sign(message, payload.Span, call.AccessKeyId, call.SecretAccessKey, call.Region, SigningService);
        return message;
    }

    private ChatCompletionUpdate? ParseMessage(Call call, BedrockConverseStreamParser parser, EventStreamMessage message)
    {
        switch (message.MessageType)
        {
            case "exception":
                throw StreamFailure(call, new BedrockError(message.ExceptionType, MessageOf(message.Payload.Span)));
            case "error":
                throw StreamFailure(call, new BedrockError(message.Header(":error-code"), message.Header(":error-message")));
            case "event":
                try
                {
                    return parser.Parse(message.EventType, message.Payload.Span);
                }
                catch (JsonException ex)
                {
                    throw transport.MalformedEvent(call.Upstream, ex);
                }

            default:
                return null;
        }
    }

    private static string? MessageOf(ReadOnlySpan<byte> payload) => BedrockConverseResponseParser.ParseError(payload, null).Message;

    /// <summary>An exception message after the answer began: Bedrock's way to fail a stream already under way.</summary>
    private UpstreamException StreamFailure(Call call, BedrockError error)
    {
        var provider = call.Provider;
        var detail = UpstreamErrorText.Scrub(error.Message, call.SecretAccessKey);
        var kind = KindOf(error) ?? ErrorKind.UpstreamUnavailable;
        var exception = new UpstreamException(kind, provider, kind switch
        {
            ErrorKind.UpstreamAuth => $"The {provider} provider refused the hub's credential mid-stream.",
            ErrorKind.UpstreamRateLimited => $"The {provider} provider throttled the call mid-stream.",
            ErrorKind.UpstreamRejected => detail ?? $"The {provider} provider rejected the request mid-stream.",
            ErrorKind.UpstreamTimeout => $"The {provider} provider's model timed out mid-stream.",
            _ => detail is null ? $"The {provider} provider failed mid-stream." : $"The {provider} provider failed mid-stream: {detail}",
        });
        return transport.FailedMidStream(call.Upstream, new UpstreamFailure(exception, error.Type));
    }

    /// <summary>What an error type says regardless of status; null for a type that does not decide.</summary>
    internal static ErrorKind? KindOf(BedrockError error) => error.Type?.ToLowerInvariant() switch
    {
        "unrecognizedclientexception" or "accessdeniedexception" or "invalidsignatureexception" or "signaturedoesnotmatch"
            or "incompletesignature" or "incompletesignatureexception" or "expiredtokenexception" or "missingauthenticationtokenexception" =>
            ErrorKind.UpstreamAuth,
        "throttlingexception" or "toomanyrequestsexception" => ErrorKind.UpstreamRateLimited,
        "validationexception" or "resourcenotfoundexception" => ErrorKind.UpstreamRejected,
        "modeltimeoutexception" => ErrorKind.UpstreamTimeout,
        "serviceunavailableexception" or "modelnotreadyexception" or "internalserverexception" or "modelstreamerrorexception"
            or "modelerrorexception" => ErrorKind.UpstreamUnavailable,
        _ => null,
    };

    /// <summary>The error answer's kind: its error type decides where it names one, else its status (a 409 is no verdict on the request).</summary>
    internal static ErrorKind KindOf(BedrockError error, HttpStatusCode status) =>
        KindOf(error) ?? (status == HttpStatusCode.Conflict ? ErrorKind.UpstreamUnavailable : UpstreamFailures.KindOfStatus(status));

    /// <summary>The error type from the <c>x-amzn-ErrorType</c> header, which the body may leave out.</summary>
    internal static string? ErrorTypeOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The error classifier.</summary>
    private UpstreamFailure Failure(Call call, HttpResponseMessage response, byte[] body)
    {
        var provider = call.Provider;
        var status = (int)response.StatusCode;
        var error = BedrockConverseResponseParser.ParseError(body, ErrorTypeOf(response));
        var kind = KindOf(error, response.StatusCode);
        var exception = kind switch
        {
            // AWS's signature errors quote the canonical request and string to sign: never relayed (FromStatus relays no text for auth).
            ErrorKind.UpstreamRateLimited => new UpstreamException(kind, provider, $"The {provider} provider throttled the call (HTTP {status}).", status, transport.RetryAfter(response)),
            ErrorKind.UpstreamTimeout => new UpstreamException(kind, provider, $"The {provider} provider's model timed out (HTTP {status}).", status),
            _ => UpstreamFailures.FromStatus(kind, provider, status, error.Message, call.SecretAccessKey, retryAfter: null),
        };
        return new UpstreamFailure(exception, error.Type);
    }

    /// <summary>What one call needs to know about its target, worked out once.</summary>
    private sealed class Call
    {
        private Call(ProviderTarget target, ProviderChatRequest request, string accessKeyId, string secretAccessKey, string region, UpstreamLimits limits)
        {
            Model = target.Provider + "/" + request.Model;
            AccessKeyId = accessKeyId;
            SecretAccessKey = secretAccessKey;
            Region = region;
            Request = request;
            Upstream = new UpstreamCall(HttpClientName, target.Provider, Model, target.Credential.Id, secretAccessKey, limits);

            // The model id is one path segment: escaped once here (':' → %3A, '/' of an ARN → %2F); the signer
            // escapes the escaped path once more, as SigV4 requires of every service but S3.
            var root = target.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/model/" + Uri.EscapeDataString(request.Model);
            Endpoint = new Uri(root + "/converse", UriKind.Absolute);
            StreamEndpoint = new Uri(root + "/converse-stream", UriKind.Absolute);
        }

        public UpstreamCall Upstream { get; }

        public string Provider => Upstream.Provider;

        /// <summary>The hub's name for the model ("bedrock/anthropic.claude-3-haiku-20240307-v1:0").</summary>
        public string Model { get; }

        public string AccessKeyId { get; }

        public string SecretAccessKey { get; }

        public string Region { get; }

        public Uri Endpoint { get; }

        public Uri StreamEndpoint { get; }

        public ProviderChatRequest Request { get; }

        public static Call Start(ProviderTarget target, ProviderChatRequest request, UpstreamLimits limits)
        {
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(request);
            var baseUrl = target.BaseUrl;
            if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException("The target's base URL must be an absolute http or https URL.", nameof(target));
            }

            var credential = target.Credential;
            if (string.IsNullOrEmpty(credential.AccessKeyId) || string.IsNullOrEmpty(credential.SecretAccessKey))
            {
                // An API key (or nothing) where a key pair belongs: this credential can never sign a request.
                throw new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    target.Provider,
                    $"The {target.Provider} provider needs an access key pair; credential {credential.Id} has none.");
            }

            var region = string.IsNullOrWhiteSpace(target.Region) ? BedrockEndpoint.RegionOf(baseUrl) : target.Region;
            if (region is null)
            {
                throw new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    target.Provider,
                    $"The {target.Provider} provider has no region to sign its calls for.");
            }

            return new Call(target, request, credential.AccessKeyId, credential.SecretAccessKey, region, limits);
        }
    }
}
