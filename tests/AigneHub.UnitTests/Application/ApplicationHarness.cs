using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AigneHub.Application;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.ModelCalls;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Application;

/// <summary>The Application layer as the host wires it (Mediator pipeline and all), over scripted providers.</summary>
internal sealed class ApplicationHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public ApplicationHarness(params IChatProvider[] providers)
        : this(null, providers)
    {
    }

    /// <param name="deadline">The call deadline over all attempts (Providers:Routing:DeadlineSeconds); null for the default.</param>
    public ApplicationHarness(int? deadlineSeconds, params IChatProvider[] providers)
        : this(deadlineSeconds, null, providers)
    {
    }

    /// <param name="configure">More registrations or options, applied after the harness's own.</param>
    public ApplicationHarness(int? deadlineSeconds, Action<IServiceCollection>? configure, params IChatProvider[] providers)
    {
        var services = new ServiceCollection();
        if (deadlineSeconds is { } seconds)
        {
            services.Configure<ChatRoutingOptions>(o => o.DeadlineSeconds = seconds);
        }

        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ICallBilling>(Billing);
        services.AddApplication();
        services.AddSingleton<ICallRecorder>(Recorder);
        services.AddSingleton<ICallRecordReader, NoCallRecords>();
        services.AddSingleton<IUsageStatisticsReader, NoUsageStatistics>();
        services.AddSingleton<AigneHub.Application.Abstractions.IReportDelivery, NoReportDelivery>();

        // Mediator builds every handler up front; the provider-admin ones need these, but chat tests never call them.
        services.AddSingleton<Marten.IDocumentStore>(_ => Marten.DocumentStore.For(o => o.Connection("Host=127.0.0.1;Port=1;Database=unused")));
        services.AddSingleton<ISecretProtector, UnusedSecretProtector>();
        services.AddSingleton<IProviderProbes, UnusedProviderProbes>();
        services.AddSingleton<IProviderCatalog>(Catalog = new ScriptedCatalog(providers));
        services.AddSingleton<IImageStore>(Images);
        services.AddSingleton<IRateCatalogue, UnusedRateCatalogue>();
        services.AddSingleton<IPromptTokenizers, BytesOnlyTokenizers>();

        // A caller as the edge authenticates one: an inference key with no allow-list, under limits that admit every call.
        services.AddSingleton<ICallerContext>(Callers);
        services.AddSingleton<AigneHub.Application.Abstractions.IRateLimiter>(RateLimiter);
        services.AddSingleton<AigneHub.Application.Abstractions.IAuditTrail, UnusedAuditTrail>();
        services.AddSingleton<IAccessCacheInvalidation, UnusedAccessCache>();
        services.AddSingleton<IKeyLimitDefaults, NoKeyLimitDefaults>();
        services.AddSingleton<AigneHub.Application.Abstractions.IResponseCacheStore>(CacheStore);
        services.AddSingleton<AigneHub.Application.Abstractions.ICacheRequestContext>(CacheRequest);
        configure?.Invoke(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public RecordingCallRecorder Recorder { get; } = new();

    public ScriptedCatalog Catalog { get; }

    public MemoryImageStore Images { get; } = new();

    public RecordingCallBilling Billing { get; } = new();

    /// <summary>Who the calls are made by; a test may change it (another allow-list, no caller at all).</summary>
    public SettableCaller Callers { get; } = new();

    public RecordingRateLimiter RateLimiter { get; } = new();

    public Caching.MemoryResponseCacheStore CacheStore { get; } = new();

    /// <summary>What the calls ask of the response cache (nothing, by default), and what it did.</summary>
    public Caching.SettableCacheRequest CacheRequest { get; } = new();

    public IMediator Mediator => _services.GetRequiredService<IMediator>();

    /// <summary>The container as the host builds it, to look at what the pipeline is made of.</summary>
    public IServiceProvider Services => _services;

    public void Dispose() => _services.Dispose();
}

internal sealed class RecordingCallRecorder : ICallRecorder
{
    private readonly ConcurrentQueue<CallRecord> _records = new();

    public IReadOnlyList<CallRecord> Records => _records.ToArray();

    public void Record(CallRecord record) => _records.Enqueue(record);
}

/// <summary>Enterprise-mode billing without a database: holds nothing, and remembers how each call was settled.</summary>
internal sealed class RecordingCallBilling : ICallBilling
{
    private readonly ConcurrentQueue<string> _settlements = new();

    public IReadOnlyList<string> Settlements => _settlements.ToArray();

    /// <summary>
    /// Credits mode: each hold holds this many credits at a free rate for each provider (so a stream's ceiling never
    /// ends it); the capture is still only remembered.
    /// </summary>
    public decimal? HeldCredits { get; set; }

    /// <summary>Each hold also reserves on one spend budget (as a key under a budget does, in either mode).</summary>
    public bool UnderBudget { get; set; }

    public Task<CallHold> HoldAsync(CallEstimate estimate, CancellationToken cancellationToken) =>
        Task.FromResult(new CallHold(estimate.CallId, null, estimate.Type, estimate.Model, estimate.Providers, HeldCredits, estimate.PromptTokens,
            HeldCredits is null ? null : estimate.Providers.ToDictionary(p => p, p => FreeRate(estimate, p)))
        {
            Budget = UnderBudget
                ? new BudgetReservation(estimate.CallId, 1m, [new ReservedWindow("budget:key:key-1", DateTimeOffset.UnixEpoch, 10m, null, 9m, null)])
                : BudgetReservation.None,
        });

    private static AigneHub.Domain.Billing.ModelRate FreeRate(CallEstimate estimate, string provider) =>
        AigneHub.Domain.Billing.ModelRate.Create(new AigneHub.Domain.Billing.Events.ModelRateSet(
            $"rate:{provider}/{estimate.Model}", provider, estimate.Model, estimate.Type, 0m, 0m, null, null, null, false, "admin", "test", DateTimeOffset.UnixEpoch));

    public Task<CallCharge> CaptureAsync(CallHold hold, string provider, TokenUsage usage, int images, bool atMostTheHold, CancellationToken cancellationToken)
    {
        _settlements.Enqueue($"captured {provider} {usage.PromptTokens}+{usage.CompletionTokens}");
        return Task.FromResult(CallCharge.None);
    }

    public Task ReleaseAsync(CallHold hold, string reason, CancellationToken cancellationToken)
    {
        _settlements.Enqueue("released");
        return Task.CompletedTask;
    }

    public Task<CacheHitCharge> ChargeCacheHitAsync(
        string callId, CallType type, string provider, string model, TokenUsage usage, decimal fraction, CancellationToken cancellationToken)
    {
        _settlements.Enqueue($"cache hit {provider} {usage.PromptTokens}+{usage.CompletionTokens}");
        return Task.FromResult(CacheHitCharge.None);
    }
}

/// <summary>No model's tokenizer: every prompt is bounded from its bytes.</summary>
internal sealed class BytesOnlyTokenizers : IPromptTokenizers
{
    public PromptTokenizer For(string provider, string model) => new(null, 6_400);
}

internal sealed class UnusedRateCatalogue : IRateCatalogue
{
    public string Source => "unused";

    public Task<IReadOnlyList<CatalogueRate>> ReadAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("Chat tests never sync rates.");
}

internal sealed class SettableCaller : ICallerContext
{
    public static readonly Caller InferenceKey = new("user-1", AigneHub.Domain.Access.UserRole.Member, "key-1", null, new HashSet<string> { "inference" });

    public Caller? Current { get; set; } = InferenceKey;
}

/// <summary>Admits every call unless told to refuse, and remembers each admission (its token estimate) and correction.</summary>
internal sealed class RecordingRateLimiter : AigneHub.Application.Abstractions.IRateLimiter
{
    private readonly ConcurrentQueue<int> _admitted = new();
    private readonly ConcurrentQueue<int> _corrections = new();

    /// <summary>When set, every admission is refused naming this limit.</summary>
    public string? Refuse { get; set; }

    public IReadOnlyList<int> Admitted => _admitted.ToArray();

    public IReadOnlyList<int> Corrections => _corrections.ToArray();

    public ValueTask<AigneHub.Application.Abstractions.RateAdmission> AdmitAsync(Caller caller, int estimatedTokens, CancellationToken cancellationToken)
    {
        var window = DateTimeOffset.UnixEpoch;
        if (Refuse is { } limit)
        {
            return ValueTask.FromResult(new AigneHub.Application.Abstractions.RateAdmission(false, window, estimatedTokens, 2, 0, null, null, TimeSpan.FromSeconds(30), limit));
        }

        _admitted.Enqueue(estimatedTokens);
        return ValueTask.FromResult(AigneHub.Application.Abstractions.RateAdmission.Unlimited(window, estimatedTokens));
    }

    public ValueTask CorrectAsync(Caller caller, AigneHub.Application.Abstractions.RateAdmission admission, int actualTokens, CancellationToken cancellationToken)
    {
        _corrections.Enqueue(actualTokens);
        return ValueTask.CompletedTask;
    }
}

internal sealed class UnusedAuditTrail : AigneHub.Application.Abstractions.IAuditTrail
{
    public Task RecordAsync(string kind, string target, string? before, string? after, string outcome, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Chat tests send no audited command.");
}

internal sealed class UnusedProviderProbes : IProviderProbes
{
    public Task<ProbeResult?> ProbeAsync(string provider, string? configuredBaseUrl, string? region, ProviderCredential credential, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Chat tests never probe a credential.");
}

internal sealed class UnusedSecretProtector : ISecretProtector
{
    public string ActiveKeyId => "unused";

    public AigneHub.Domain.Secrets.EncryptedSecret Protect(string plaintext, string purpose) => throw new NotSupportedException();

    public string Unprotect(AigneHub.Domain.Secrets.EncryptedSecret secret, string purpose) => throw new NotSupportedException();

    public bool NeedsRotation(AigneHub.Domain.Secrets.EncryptedSecret secret) => false;
}

internal sealed class NoCallRecords : ICallRecordReader
{
    public Task<IReadOnlyList<CallRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CallRecord>>([]);

    public Task<IReadOnlyList<CallRecord>> ListAsync(AigneHub.Application.Usage.CallFilter filter, Guid? after, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CallRecord>>([]);
}

internal sealed class NoReportDelivery : AigneHub.Application.Abstractions.IReportDelivery
{
    public Task DeliverAsync(string reportId, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class NoUsageStatistics : IUsageStatisticsReader
{
    public async IAsyncEnumerable<AigneHub.Domain.Usage.Statistics.UsageBucket> ReadAsync(
        AigneHub.Domain.Usage.Statistics.UsageGranularity granularity, string zone, DateTimeOffset from, DateTimeOffset to, string? userId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<StatisticsProgress> ProgressAsync(CancellationToken cancellationToken) => Task.FromResult(new StatisticsProgress(0, 0));
}

internal sealed class ScriptedCatalog(IReadOnlyList<IChatProvider> providers) : IProviderCatalog
{
    public IReadOnlyList<IChatProvider> Resolve(ModelName model) =>
        providers.Where(p => (model.Provider is null || p.Name == model.Provider) && p.Serves(model.Model)).ToArray();

    /// <summary>Embedding providers, offered every model named with their prefix (or any bare name).</summary>
    public List<IEmbeddingProvider> EmbeddingProviders { get; } = [];

    public List<IImageProvider> ImageProviders { get; } = [];

    public IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(ModelName model) =>
        EmbeddingProviders.Where(p => model.Provider is null || p.Name == model.Provider).ToArray();

    public IReadOnlyList<IImageProvider> ResolveImages(ModelName model) =>
        ImageProviders.Where(p => model.Provider is null || p.Name == model.Provider).ToArray();

    public IReadOnlyList<AigneHub.Application.Models.ModelDescriptor> ListModels() =>
        providers.Select(p => new AigneHub.Application.Models.ModelDescriptor(p.Name + "/model", p.Name, DateTimeOffset.UnixEpoch, AigneHub.Application.Models.ModelKind.Chat)).ToArray();

    public ProviderAvailability Availability(string provider) =>
        providers.Any(p => p.Name == provider) || EmbeddingProviders.Any(p => p.Name == provider) || ImageProviders.Any(p => p.Name == provider)
            ? ProviderAvailability.Ready
            : ProviderAvailability.NotConfigured;
}

/// <summary>Generated images kept in memory, with expiry as the real store has it.</summary>
internal sealed class MemoryImageStore : IImageStore
{
    private readonly ConcurrentDictionary<Guid, StoredImage> _images = new();

    public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

    public IReadOnlyCollection<StoredImage> Stored => _images.Values.ToArray();

    /// <summary>When set, every save fails with it (a database that refuses the image).</summary>
    public Exception? FailWith { get; set; }

    public Task<StoredImageReference> SaveAsync(byte[] content, string mediaType, CancellationToken cancellationToken)
    {
        if (FailWith is { } failure)
        {
            return Task.FromException<StoredImageReference>(failure);
        }

        var image = new StoredImage(Guid.NewGuid(), content, mediaType, Now.AddHours(1));
        _images[image.Id] = image;
        return Task.FromResult(new StoredImageReference(image.Id, image.ExpiresAt));
    }

    public Task<StoredImage?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(_images.TryGetValue(id, out var image) && image.ExpiresAt > Now ? image : null);

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = _images.Values.Where(i => i.ExpiresAt <= now).ToArray();
        foreach (var image in expired)
        {
            _images.TryRemove(image.Id, out _);
        }

        return Task.FromResult(expired.Length);
    }
}

/// <summary>A provider whose answers (or failures) a test decides.</summary>
internal sealed class ScriptedProvider(string name, Func<ProviderChatRequest, CancellationToken, Task<ChatCompletion>>? complete = null) : IChatProvider
{
    public string Name { get; } = name;

    private int _calls;
    private int _streamsDisposed;

    /// <summary>Calls made to the provider (several at once when a call asks for n choices).</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Requests as the provider received them, in the order they arrived.</summary>
    public ConcurrentQueue<ProviderChatRequest> Requests { get; } = new();

    public Exception? FailWith { get; init; }

    /// <summary>Decides, by the call's number (1, 2, …), whether that call fails and how.</summary>
    public Func<int, Exception?>? FailOnCall { get; init; }

    public IReadOnlyList<string> StreamPieces { get; init; } = ["a", "b", "c"];

    /// <summary>Throws after this many pieces were streamed (null: never).</summary>
    public int? FailAfterPieces { get; init; }

    public bool StreamDisposed => StreamsDisposed > 0;

    public int StreamsDisposed => Volatile.Read(ref _streamsDisposed);

    /// <summary>A pause before each streamed piece (honouring cancellation).</summary>
    public TimeSpan PieceDelay { get; init; }

    /// <summary>A pause before a stream's first update (honouring cancellation): the stream is not open until it ends.</summary>
    public TimeSpan OpenDelay { get; init; }

    /// <summary>False: answers carry no usage and streams no usage update, as an OpenAI-compatible server that ignores include_usage.</summary>
    public bool ReportsUsage { get; init; } = true;

    public bool Serves(string model) => model != "unknown";

    /// <summary>The credential the provider says answered (or failed) each call, as a routed provider's targets do.</summary>
    public string CredentialId => "cred-" + Name;

    public async Task<Served<ChatCompletion>> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return new(await AnswerAsync(request, cancellationToken), CredentialId);
        }
        catch (global::AigneHub.Application.Errors.UpstreamException ex) when (ex.WithCredential(CredentialId))
        {
            throw;
        }
    }

    public IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        UpdatesAsync(request, cancellationToken).Select(update => new Served<ChatCompletionUpdate>(update, CredentialId));

    private async Task<ChatCompletion> AnswerAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        Requests.Enqueue(request);
        if ((FailWith ?? FailOnCall?.Invoke(call)) is { } failure)
        {
            throw failure;
        }

        return complete is null
            ? new ChatCompletion("id-" + Name, DateTimeOffset.UnixEpoch, Name + "/" + request.Model, "answer from " + Name, "stop", ReportsUsage ? new TokenUsage(5, 2) : default, null)
            : await complete(request, cancellationToken);
    }

    private async IAsyncEnumerable<ChatCompletionUpdate> UpdatesAsync(ProviderChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        Requests.Enqueue(request);
        try
        {
            if ((FailWith ?? FailOnCall?.Invoke(call)) is { } failure)
            {
                throw failure;
            }

            var model = Name + "/" + request.Model;
            if (OpenDelay > TimeSpan.Zero)
            {
                await Task.Delay(OpenDelay, cancellationToken);
            }

            yield return new ChatCompletionUpdate("s-" + Name, DateTimeOffset.UnixEpoch, model, "assistant", string.Empty, null, null);
            for (var i = 0; i < StreamPieces.Count; i++)
            {
                if (i == FailAfterPieces)
                {
                    throw new global::AigneHub.Application.Errors.UpstreamException(ErrorKind.UpstreamUnavailable, Name, "broke mid-stream");
                }

                if (PieceDelay > TimeSpan.Zero)
                {
                    await Task.Delay(PieceDelay, cancellationToken);
                }

                await Task.Yield();
                yield return new ChatCompletionUpdate("s-" + Name, DateTimeOffset.UnixEpoch, model, null, StreamPieces[i], null, null);
            }

            yield return new ChatCompletionUpdate("s-" + Name, DateTimeOffset.UnixEpoch, model, null, null, "stop", null);
            if (ReportsUsage)
            {
                yield return new ChatCompletionUpdate("s-" + Name, DateTimeOffset.UnixEpoch, model, null, null, null, new TokenUsage(4, StreamPieces.Count));
            }
        }
        finally
        {
            Interlocked.Increment(ref _streamsDisposed);
        }
    }
}

internal sealed class UnusedAccessCache : IAccessCacheInvalidation
{
    public Task InvalidateAsync(CancellationToken cancellationToken) => throw new NotSupportedException("No access handler runs in these tests.");
}

internal sealed class NoKeyLimitDefaults : IKeyLimitDefaults
{
    public AigneHub.Domain.Access.KeyLimits Key => AigneHub.Domain.Access.KeyLimits.None;
}
