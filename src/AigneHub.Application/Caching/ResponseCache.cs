using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Routing;

namespace AigneHub.Application.Caching;

/// <summary>
/// Decides whether a model call uses the cache, under which key, and reads and writes its answers. Chat answers are
/// stored in one shape (a whole completion) whether the call was streamed or not, so a streamed request can be
/// answered from a unary one's answer and the other way round.
/// </summary>
internal sealed partial class ResponseCache(
    ICacheRequestContext context,
    ICallerContext callers,
    ModelRouter router,
    IResponseCacheStore store,
    IOptions<ResponseCacheOptions> options,
    TimeProvider time,
    ILogger<ResponseCache> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    /// <summary>
    /// The plan for a call, or null when the cache is not in play for it (off, asked to bypass, not deterministic
    /// without being asked explicitly, or its model does not route: the handler then answers as always). Sets the
    /// outcome the caller is told; a miss is corrected to a hit by <see cref="FindAsync"/>.
    /// </summary>
    public CachePlan? Plan(object command, CacheKind kind)
    {
        var settings = options.Value;
        var directive = context.Directive;
        var caller = callers.Current;
        if (!settings.Enabled || caller is null || (directive == CacheDirective.Default && settings.DefaultMode == "off"))
        {
            return null;
        }

        if (directive == CacheDirective.Bypass || (directive != CacheDirective.Use && !IsDeterministic(command)))
        {
            context.Outcome = CacheOutcome.Bypass;
            return null;
        }

        string route;
        try
        {
            route = RouteOf(command, kind);
        }
        catch (HubException)
        {
            return null;
        }

        var scope = ScopeOf(caller, settings.Scope);
        var (request, requestId) = CacheKeys.Describe(command);
        var ttl = Math.Min(context.TtlSeconds ?? settings.TtlSeconds, settings.MaxTtlSeconds);
        context.Outcome = CacheOutcome.Miss;
        return new CachePlan(CacheKeys.For(kind.ToString(), route, scope, request), scope, requestId, kind, TimeSpan.FromSeconds(ttl), directive != CacheDirective.Refresh);
    }

    /// <summary>
    /// The stored answer (of <paramref name="answerType"/>) when there is one and the plan reads, with the outcome set
    /// to hit, and the "provider/model" whose rate prices a hit on it.
    /// </summary>
    public async Task<CacheHit?> FindAsync(CachePlan plan, Type answerType, CancellationToken cancellationToken)
    {
        if (!plan.Reads)
        {
            return null;
        }

        try
        {
            if (await store.FindAsync(plan.Key, cancellationToken) is { } cached && JsonSerializer.Deserialize(cached.Answer, answerType, Json) is { } answer)
            {
                context.Outcome = CacheOutcome.Hit;
                return new CacheHit(answer, cached.Model);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The cache is an optimisation: when it cannot be read the call goes upstream.
            LogCacheFailed(logger, ex, "read");
        }

        return null;
    }

    /// <summary>
    /// Stores an answer unless it is too large or cut short; a failure to store is logged, never the caller's problem.
    /// The entry names the provider and model that served and priced the call when the call noted them
    /// (<see cref="ICacheRequestContext.ServedBy"/>), else <paramref name="model"/> as the answer names it.
    /// </summary>
    public async Task SaveAsync(CachePlan plan, object answer, string model)
    {
        model = context.ServedBy ?? model;
        var serialized = JsonSerializer.Serialize(answer, answer.GetType(), Json);
        if (System.Text.Encoding.UTF8.GetByteCount(serialized) > options.Value.MaxEntryBytes)
        {
            return;
        }

        var now = time.GetUtcNow();
        try
        {
            await store.SaveAsync(new CachedAnswer(plan.Key, plan.Scope, model, serialized, now, now + plan.Ttl), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogCacheFailed(logger, ex, "write");
        }
    }

    /// <summary>
    /// Temperature 0, or a seed: the provider is asked for the same answer each time. Embeddings always are. A request
    /// with no temperature gets the provider's default, which is not 0.
    /// </summary>
    private static bool IsDeterministic(object command) =>
        command is not IChatRequest chat || chat.Settings.Temperature == 0 || chat.Settings.Seed is not null;

    private string RouteOf(object command, CacheKind kind)
    {
        var model = ((ModelCalls.IModelCall)command).Model;
        if (kind == CacheKind.Chat)
        {
            var chat = router.Route(model, ModelRouter.Chat);
            return $"{chat.Name}|{string.Join(',', chat.Providers.Select(p => p.Name))}";
        }

        var embeddings = router.Route(model, static (c, name) => c.ResolveEmbeddings(name));
        return $"{embeddings.Name}|{string.Join(',', embeddings.Providers.Select(p => p.Name))}";
    }

    /// <summary>
    /// The caller's cache scope. Sharing by app goes by the app the key is bound to, never by a header the caller
    /// chooses (which would let anyone read another app's answers).
    /// </summary>
    private static string ScopeOf(Caller caller, string shared) => shared switch
    {
        "hub" => "hub",
        "app" when caller.KeyAppId is { Length: > 0 } app => $"app:{app}",
        _ => $"user:{caller.UserId}",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The response cache could not {Operation} an answer; the call goes on without it")]
    private static partial void LogCacheFailed(ILogger logger, Exception exception, string operation);
}

/// <summary>A stored answer, and the "provider/model" whose rate prices a hit on it.</summary>
internal sealed record CacheHit(object Answer, string PricedAs);

/// <summary>What kind of answer a call caches.</summary>
internal enum CacheKind
{
    Chat,
    Embeddings,
}

/// <param name="Key">The entry's key (<see cref="CacheKeys"/>).</param>
/// <param name="Reads">False for a refresh: the provider answers and its answer replaces the stored one.</param>
internal sealed record CachePlan(string Key, string Scope, string RequestId, CacheKind Kind, TimeSpan Ttl, bool Reads);

/// <summary>The exact-match response cache ("Cache" section; docs/configuration.md).</summary>
public sealed class ResponseCacheOptions
{
    public const string Section = "Cache";

    /// <summary>Whether the hub honours cache requests at all; off, every call goes upstream whatever it asks.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// What a request without an <c>x-aignehub-cache</c> header does: <c>off</c> (the default: only requests that ask
    /// use the cache) or <c>deterministic</c> (every deterministic request uses it, unless it says bypass).
    /// </summary>
    [RegularExpression("^(off|deterministic)$")]
    public string DefaultMode { get; set; } = "off";

    /// <summary>
    /// Who shares answers: <c>user</c> (the default: a caller only ever reads its own user's answers), <c>app</c>
    /// (callers whose keys are bound to the same app share; callers without an app fall back to their user) or
    /// <c>hub</c> (every caller shares).
    /// </summary>
    [RegularExpression("^(user|app|hub)$")]
    public string Scope { get; set; } = "user";

    /// <summary>How long an answer is kept when the request names no TTL.</summary>
    [Range(1, int.MaxValue)]
    public int TtlSeconds { get; set; } = 3600;

    /// <summary>The longest TTL a request may ask for (a longer one is lowered to this).</summary>
    [Range(1, int.MaxValue)]
    public int MaxTtlSeconds { get; set; } = 86_400;

    /// <summary>Answers larger than this (serialized) are not stored.</summary>
    [Range(1, int.MaxValue)]
    public int MaxEntryBytes { get; set; } = 1024 * 1024;

    /// <summary>The size bound of each instance's in-memory front, in bytes of serialized answers.</summary>
    [Range(1, long.MaxValue)]
    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long an instance serves an answer from its memory before reading the shared table again: the most an admin
    /// purge on another instance can take to reach this one.
    /// </summary>
    [Range(0, 3600)]
    public int MemorySeconds { get; set; } = 10;

    /// <summary>The fraction of the original's cost (at the current rate version) a hit is charged in credits mode; 0 to 1.</summary>
    [Range(typeof(decimal), "0", "1")]
    public decimal HitChargeFraction { get; set; }

    /// <summary>
    /// Whether this instance's Hangfire server works on the cache queue, where the recurring job that deletes expired
    /// answers from the shared table (every 10 minutes) runs; the job stays defined for the cluster either way.
    /// </summary>
    public bool PruneEnabled { get; set; } = true;
}
