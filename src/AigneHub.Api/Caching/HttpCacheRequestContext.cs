using AigneHub.Application.Caching;
using AigneHub.Domain.Usage;

namespace AigneHub.Api.Caching;

/// <summary>
/// The cache's view of the current HTTP or gRPC request. The caller asks with <c>x-aignehub-cache: use|bypass|refresh</c>
/// and <c>x-aignehub-cache-ttl: &lt;seconds&gt;</c> (request headers, or gRPC metadata, which are the same thing on the
/// wire; the OpenAI SDKs send them as extra/default headers). The outcome is answered as the response header
/// <c>x-aignehub-cache: hit|miss|bypass</c> (gRPC: response metadata), set before the answer's first byte.
/// </summary>
internal sealed class HttpCacheRequestContext(IHttpContextAccessor accessor) : ICacheRequestContext
{
    public const string Header = "x-aignehub-cache";
    public const string TtlHeader = "x-aignehub-cache-ttl";

    public CacheDirective Directive => accessor.HttpContext?.Request.Headers[Header].ToString().Trim().ToLowerInvariant() switch
    {
        null or "" => CacheDirective.Default,
        "use" => CacheDirective.Use,
        "bypass" or "no-cache" => CacheDirective.Bypass,
        "refresh" => CacheDirective.Refresh,
        var other => throw new RequestValidationException([new FieldViolation(Header, $"'{other}' is not a cache directive: use 'use', 'bypass' or 'refresh'.")]),
    };

    public int? TtlSeconds
    {
        get
        {
            var value = accessor.HttpContext?.Request.Headers[TtlHeader].ToString();
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? seconds
                : throw new RequestValidationException([new FieldViolation(TtlHeader, "The cache TTL must be a whole number of seconds above zero.")]);
        }
    }

    public CacheOutcome? Outcome
    {
        get => accessor.HttpContext?.Items.TryGetValue(typeof(CacheOutcome), out var outcome) == true ? outcome as CacheOutcome? : null;
        set
        {
            if (accessor.HttpContext is not { } context)
            {
                return;
            }

            context.Items[typeof(CacheOutcome)] = value;
            if (value is { } reported && !context.Response.HasStarted)
            {
                context.Response.Headers[Header] = reported.ToString().ToLowerInvariant();
            }
        }
    }

    public string? ServedBy
    {
        get => accessor.HttpContext?.Items.TryGetValue(ServedByKey, out var served) == true ? served as string : null;
        set
        {
            if (accessor.HttpContext is { } context)
            {
                context.Items[ServedByKey] = value;
            }
        }
    }

    private static readonly object ServedByKey = new();
}
