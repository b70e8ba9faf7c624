using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace AigneHub.Application.Observability;

/// <summary>
/// The hub's own instruments, on the Meter "AigneHub". Call, token, credit and cost instruments are fed from call records only (see
/// <see cref="RecordCall"/>), so the metrics agree exactly with the stored history; the SSE writers track the streams
/// that are open. Allocation-light: tag values are cached strings and boxes, tags travel in a stack-held TagList.
/// Every label value comes from what the hub knows (enums, its providers and listed models: <see cref="MetricLabels"/>),
/// never verbatim from a client, so the number of series is bounded whatever clients send.
/// </summary>
public sealed class HubMetrics
{
    public const string MeterName = "AigneHub";

    private static readonly object True = true;
    private static readonly object False = false;
    private static readonly FrozenDictionary<CallType, string> CallTypes = Names<CallType>();
    private static readonly FrozenDictionary<CallStatus, string> Statuses = Names<CallStatus>();
    private static readonly FrozenDictionary<ErrorKind, string> ErrorKinds = Names<ErrorKind>();

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _ttfb;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _upstreamErrors;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<double> _credits;
    private readonly Counter<double> _costUsd;
    private readonly Counter<long> _holdRefusals;
    private readonly Counter<double> _uncollected;
    private readonly Counter<double> _capturesLost;
    private readonly MetricLabels _labels;

    public HubMetrics(IMeterFactory meterFactory, MetricLabels labels)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(labels);
        _labels = labels;
        Meter = meterFactory.Create(MeterName);
        _calls = Meter.CreateCounter<long>("aignehub.calls", "{call}", "Calls that ended, by provider, model, call type, status, error kind and streaming.");
        _duration = Meter.CreateHistogram<double>("aignehub.call.duration", "s", "Time from the hub receiving a call to its end.");
        _ttfb = Meter.CreateHistogram<double>("aignehub.call.ttfb", "s", "Time from the hub receiving a call to the first byte of its answer.");
        _tokens = Meter.CreateCounter<long>("aignehub.tokens", "{token}", "Tokens the providers reported, by token type (prompt, completion).");
        _upstreamErrors = Meter.CreateCounter<long>("aignehub.upstream.errors", "{error}", "Calls that failed because of the provider (auth, rate limit, unavailable, timeout, rejected).");
        _activeStreams = Meter.CreateUpDownCounter<long>("aignehub.streams.active", "{stream}", "Server-sent-event answers being written right now.");
        _credits = Meter.CreateCounter<double>("aignehub.credits.charged", "{credit}", "Credits captured from users' accounts for calls, by provider and model (credits mode).");
        _costUsd = Meter.CreateCounter<double>("aignehub.cost", "USD", "What the providers charge for the calls, from the rates' unit costs, by provider and model.");
        _holdRefusals = Meter.CreateCounter<long>("aignehub.credits.hold_refusals", "{call}", "Calls refused before any provider call because the account could not cover the hold.");
        _uncollected = Meter.CreateCounter<double>(
            "aignehub.credits.uncollected", "{credit}", "Credits calls cost beyond their hold and what the account had left: service given away. Should stay 0.");
        _capturesLost = Meter.CreateCounter<double>(
            "aignehub.credits.captures_lost", "{credit}",
            "Credits of calls served from a balance lease whose capture the ledger writer gave up on (each logged as an error with the call id), by outcome: not_written (service given away) or unknown (the ledger could not tell whether it was written). Should stay 0.");
    }

    /// <summary>The meter itself (for listeners in tests).</summary>
    public Meter Meter { get; }

    /// <summary>Counts one ended call from its record: call count, duration, TTFB, tokens and upstream errors.</summary>
    public void RecordCall(CallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var callType = CallTypes.GetValueOrDefault(record.CallType, "unknown");
        var status = Statuses.GetValueOrDefault(record.Status, "unknown");
        var errorKind = ErrorKinds.GetValueOrDefault(record.ErrorKind, "unknown");
        var streamed = record.Streamed ? True : False;
        var provider = MetricLabels.Provider(record.Provider);
        var model = _labels.Model(record.Provider, record.Model);

        var timing = new TagList
        {
            { "provider", provider },
            { "model", model },
            { "call_type", callType },
            { "status", status },
            { "streamed", streamed },
        };
        _duration.Record(record.LatencyMs / 1000d, timing);
        if (record.TtfbMs is { } ttfb)
        {
            _ttfb.Record(ttfb / 1000d, timing);
        }

        timing.Add("error_kind", errorKind);
        _calls.Add(1, timing);

        if (record.PromptTokens > 0)
        {
            _tokens.Add(record.PromptTokens, new TagList { { "provider", provider }, { "model", model }, { "token_type", "prompt" } });
        }

        if (record.CompletionTokens > 0)
        {
            _tokens.Add(record.CompletionTokens, new TagList { { "provider", provider }, { "model", model }, { "token_type", "completion" } });
        }

        if (record.CreditsCharged is { } credits and > 0)
        {
            _credits.Add((double)credits, new TagList { { "provider", provider }, { "model", model } });
        }

        if (record.CostUsd is { } cost and > 0)
        {
            _costUsd.Add((double)cost, new TagList { { "provider", provider }, { "model", model } });
        }

        if (record.ErrorKind == ErrorKind.InsufficientCredits)
        {
            _holdRefusals.Add(1, new TagList { { "call_type", callType } });
        }

        if (IsUpstreamError(record.ErrorKind))
        {
            _upstreamErrors.Add(1, new TagList { { "provider", provider }, { "error_kind", errorKind } });
        }
    }

    /// <summary>
    /// Counts credits a capture could not collect (its cost passed the hold and the rest of the balance). A hold is the
    /// most a call can cost, so this is not fed from call records: any amount here means a bound was wrong.
    /// </summary>
    public void RecordUncollected(decimal credits, string provider, string model)
    {
        if (credits > 0)
        {
            _uncollected.Add((double)credits, new TagList { { "provider", MetricLabels.Provider(provider) }, { "model", _labels.Model(provider, model) } });
        }
    }

    /// <summary>
    /// Counts the cost of a call served from a balance lease whose capture the ledger writer gave up on (ADR 0024): no
    /// hold of it is left for hold recovery to capture, so this and the error log line are its trace.
    /// </summary>
    /// <param name="mayHaveBeenWritten">The ledger could not tell whether it wrote the capture (its commit's answer was lost).</param>
    public void RecordLostCapture(decimal credits, bool mayHaveBeenWritten)
    {
        if (credits > 0)
        {
            _capturesLost.Add((double)credits, new TagList { { "outcome", mayHaveBeenWritten ? "unknown" : "not_written" } });
        }
    }

    /// <summary>Counts a server-sent-event answer as open until the returned handle is disposed.</summary>
    /// <param name="surface">Which edge writes it: "openai" or "aigne".</param>
    public ActiveStream TrackStream(string surface)
    {
        var tags = new TagList { { "surface", surface } };
        _activeStreams.Add(1, tags);
        return new ActiveStream(_activeStreams, surface);
    }

    private static bool IsUpstreamError(ErrorKind kind) => kind is ErrorKind.UpstreamAuth or ErrorKind.UpstreamRateLimited
        or ErrorKind.UpstreamUnavailable or ErrorKind.UpstreamTimeout or ErrorKind.UpstreamRejected;

    /// <summary>Enum values as snake_case label values ("model_not_found"), computed once.</summary>
    private static FrozenDictionary<T, string> Names<T>()
        where T : struct, Enum
    {
        var names = new Dictionary<T, string>();
        foreach (var value in Enum.GetValues<T>())
        {
            names[value] = SnakeCase(value.ToString());
        }

        return names.ToFrozenDictionary();
    }

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>An open stream; disposing it counts the stream as closed (once).</summary>
    public struct ActiveStream : IDisposable
    {
        private UpDownCounter<long>? _counter;
        private readonly string _surface;

        internal ActiveStream(UpDownCounter<long> counter, string surface)
        {
            _counter = counter;
            _surface = surface;
        }

        public void Dispose()
        {
            if (_counter is { } counter)
            {
                _counter = null;
                counter.Add(-1, new TagList { { "surface", _surface } });
            }
        }
    }
}

/// <summary>
/// The values the provider and model labels of the hub's metrics may take: only what the hub itself knows, never a
/// name verbatim from a client. A provider label is one of the providers the hub has adapters for (a client can only
/// name those: any other prefix is part of a bare model name), or empty for a bare name no provider took. A model
/// label is a model the hub lists (the models list of <c>GET /v1/models</c>: the demo's, each routable provider's
/// known models, a configured provider's <c>Models</c>), and <see cref="Other"/> for every other name, so made-up
/// model names cannot grow the number of series. The list is read again, at most every
/// <see cref="RefreshAfterMiss"/>, when a name is not in it (a provider registered since).
/// </summary>
public sealed class MetricLabels(IProviderCatalog catalog, TimeProvider time)
{
    /// <summary>The label of every name the hub does not know.</summary>
    public const string Other = "other";

    public static readonly TimeSpan RefreshAfterMiss = TimeSpan.FromSeconds(10);

    private volatile Known? _known;

    /// <summary>The provider label: a provider the hub has an adapter for, empty (none), or <see cref="Other"/>.</summary>
    public static string Provider(string provider) =>
        provider.Length == 0 || ProviderNames.IsKnown(provider) ? provider : Other;

    /// <summary>The model label of a call to <paramref name="model"/> (the provider's own id) at <paramref name="provider"/>.</summary>
    public string Model(string provider, string model)
    {
        if (model.Length == 0)
        {
            return model;
        }

        if (provider.Length > 0 && !ProviderNames.IsKnown(provider))
        {
            return Other;
        }

        var known = _known;
        if (known is not null && known.Lists(provider, model))
        {
            return model;
        }

        if (known is null || time.GetUtcNow() - known.ReadAt >= RefreshAfterMiss)
        {
            known = Read();
            _known = known;
        }

        return known.Lists(provider, model) ? model : Other;
    }

    private Known Read()
    {
        var byProvider = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { [string.Empty] = new(StringComparer.Ordinal) };
        foreach (var listed in catalog.ListModels())
        {
            var slash = listed.Id.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                continue;
            }

            var model = listed.Id[(slash + 1)..];
            var provider = listed.Id[..slash];
            if (!byProvider.TryGetValue(provider, out var models))
            {
                byProvider[provider] = models = new HashSet<string>(StringComparer.Ordinal);
            }

            models.Add(model);

            // A bare name that no provider took is recorded without a provider: it is known when some provider lists it.
            byProvider[string.Empty].Add(model);
        }

        return new Known(byProvider.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal), time.GetUtcNow());
    }

    private sealed record Known(FrozenDictionary<string, FrozenSet<string>> ByProvider, DateTimeOffset ReadAt)
    {
        public bool Lists(string provider, string model) => ByProvider.TryGetValue(provider, out var models) && models.Contains(model);
    }
}
