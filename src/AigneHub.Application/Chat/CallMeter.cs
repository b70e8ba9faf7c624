using System.Diagnostics;

namespace AigneHub.Application.Chat;

/// <summary>Measures one call (time to first byte, latency) and turns its outcome into a call record.</summary>
internal sealed class CallMeter
{
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _startedAt;
    private readonly string _requestId;
    private readonly CallType _callType;
    private readonly bool _streamed;
    private readonly Caller? _caller;
    private readonly string? _traceId;
    private long? _firstByteTimestamp;
    private long _attemptTimestamp;
    private string _provider = string.Empty;
    private string _model = string.Empty;
    private string? _credentialId;
    private string? _endUser;
    private IReadOnlyDictionary<string, string>? _metadata;
    private List<ModelSkip>? _skippedModels;

    private CallMeter(TimeProvider time, string requestId, CallType callType, bool streamed, Caller? caller)
    {
        _time = time;
        _requestId = requestId;
        _callType = callType;
        _streamed = streamed;
        _caller = caller;
        _startedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
        _attemptTimestamp = _startTimestamp;
        _traceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
        CallId = CallIds.New(_startedAt);
    }

    /// <summary>Starts measuring a call made by <paramref name="caller"/> (null when nobody is authenticated).</summary>
    public static CallMeter Start(TimeProvider time, string requestId, CallType callType, bool streamed, Caller? caller) =>
        new(time, requestId, callType, streamed, caller);

    public string Provider => _provider;

    /// <summary>Keeps what a chat call says about itself on its record: the end user it names and its metadata.</summary>
    public CallMeter Tagged(ChatSettings settings)
    {
        _endUser = settings.User ?? settings.SafetyIdentifier;
        _metadata = settings.Metadata;
        return this;
    }

    /// <summary>The call's id: its call record's id, and the key of its hold on the caller's credit account.</summary>
    public Guid CallId { get; }

    /// <summary>Names the provider now being tried; after a failover the record names the last one.</summary>
    public void Attempt(string provider, string model)
    {
        _provider = provider;
        _model = model;
        _attemptTimestamp = _time.GetTimestamp();
    }

    /// <summary>
    /// Names the credential an attempt used, as the provider's answer (or failure) reported it; after a failover the
    /// record names the one that answered or failed last.
    /// </summary>
    public void UsedCredential(string? credentialId)
    {
        if (credentialId is not null)
        {
            _credentialId = credentialId;
        }
    }

    /// <summary>A model of the call's fallback chain was passed over (it failed, or may not be tried): the record lists it.</summary>
    public void SkipModel(string model, string reason) => (_skippedModels ??= []).Add(new ModelSkip(model, reason));

    /// <summary>
    /// The provider's first answer arrived (the first streamed update, or the whole unary answer): the end of both the
    /// hub's and the provider's time to first byte.
    /// </summary>
    public void FirstByte()
    {
        if (_firstByteTimestamp is null)
        {
            _firstByteTimestamp = _time.GetTimestamp();
            ProviderTtfbMs = _time.GetElapsedTime(_attemptTimestamp, _firstByteTimestamp.Value).TotalMilliseconds;
        }
    }

    private double? ProviderTtfbMs { get; set; }

    public CallRecord Succeeded(TokenUsage usage) => Build(CallStatus.Succeeded, ErrorKind.None, usage);

    /// <summary>A successful image call: the record also counts the images generated.</summary>
    public CallRecord Succeeded(TokenUsage usage, int images) => Build(CallStatus.Succeeded, ErrorKind.None, usage) with { Images = images };

    public CallRecord Cancelled(TokenUsage usage) => Build(CallStatus.Cancelled, ErrorKind.Cancelled, usage);

    public CallRecord Failed(Exception exception, TokenUsage usage, CancellationToken callToken)
    {
        if (exception is OperationCanceledException && callToken.IsCancellationRequested)
        {
            return Cancelled(usage);
        }

        var kind = exception is HubException hub ? hub.Kind : ErrorKind.Internal;
        return Build(CallStatus.Failed, kind, usage);
    }

    private CallRecord Build(CallStatus status, ErrorKind errorKind, TokenUsage usage)
    {
        var now = _time.GetTimestamp();
        return new CallRecord
        {
            Id = CallId,
            RequestId = _requestId,
            Provider = _provider,
            Model = _model,
            CallType = _callType,
            Streamed = _streamed,
            PromptTokens = usage.PromptTokens,
            CompletionTokens = usage.CompletionTokens,
            CachedTokens = usage.CachedPromptTokens,
            TtfbMs = _firstByteTimestamp is { } first ? _time.GetElapsedTime(_startTimestamp, first).TotalMilliseconds : null,
            LatencyMs = _time.GetElapsedTime(_startTimestamp, now).TotalMilliseconds,
            Status = status,
            ErrorKind = errorKind,
            StartedAt = _startedAt,
            UserId = _caller?.UserId,
            KeyId = _caller?.KeyId,
            AppId = _caller?.AppId,
            CredentialId = _credentialId,
            ProviderTtfbMs = ProviderTtfbMs,
            TraceId = _traceId,
            EndUser = _endUser,
            Metadata = _metadata,
            SkippedModels = _skippedModels is null ? null : [.. _skippedModels],
        };
    }
}
