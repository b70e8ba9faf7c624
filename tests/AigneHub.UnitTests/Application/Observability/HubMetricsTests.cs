using System.Diagnostics.Metrics;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Observability;
using AigneHub.Application.Models;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Observability;

public sealed class HubMetricsTests : IDisposable
{
    private readonly TestMeterFactory _factory = new();
    private readonly ListedModels _catalog = new("openai/gpt-4o-mini", "openai/text-embedding-3-small", "openrouter/openai/gpt-4o");
    private readonly ManualClock _clock = new(DateTimeOffset.UnixEpoch);
    private readonly HubMetrics _metrics;
    private readonly MeterListener _listener = new();
    private readonly List<Measurement> _measurements = [];

    public HubMetricsTests()
    {
        _metrics = new HubMetrics(_factory, new MetricLabels(_catalog, _clock));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Capture(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Capture(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Successful_streamed_call_is_counted_with_its_labels_timings_and_tokens()
    {
        _metrics.RecordCall(Record(CallStatus.Succeeded, ErrorKind.None, streamed: true, prompt: 11, completion: 7, ttfbMs: 250, latencyMs: 1500));

        var call = Assert.Single(Of("aignehub.calls"));
        Assert.Equal(1, call.Value);
        Assert.Equal("openai", call.Tags["provider"]);
        Assert.Equal("gpt-4o-mini", call.Tags["model"]);
        Assert.Equal("chat", call.Tags["call_type"]);
        Assert.Equal("succeeded", call.Tags["status"]);
        Assert.Equal("none", call.Tags["error_kind"]);
        Assert.Equal(true, call.Tags["streamed"]);

        Assert.Equal(1.5, Assert.Single(Of("aignehub.call.duration")).Value);
        Assert.Equal(0.25, Assert.Single(Of("aignehub.call.ttfb")).Value);

        var tokens = Of("aignehub.tokens").ToDictionary(m => (string)m.Tags["token_type"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["prompt"] = 11, ["completion"] = 7 }, tokens);
        Assert.Empty(Of("aignehub.upstream.errors"));
    }

    [Fact]
    public void Uncollected_credits_are_counted_by_provider_and_model_and_nothing_is_counted_for_none()
    {
        _metrics.RecordUncollected(0m, "openai", "gpt-4o-mini");
        _metrics.RecordUncollected(0.25m, "openai", "gpt-4o-mini");

        var uncollected = Assert.Single(Of("aignehub.credits.uncollected"));
        Assert.Equal(0.25, uncollected.Value);
        Assert.Equal(("openai", "gpt-4o-mini"), ((string)uncollected.Tags["provider"]!, (string)uncollected.Tags["model"]!));
    }

    [Fact]
    public void Upstream_failure_is_counted_as_a_failed_call_and_an_upstream_error_of_its_provider()
    {
        _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.UpstreamRateLimited, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 40));

        var call = Assert.Single(Of("aignehub.calls"));
        Assert.Equal("failed", call.Tags["status"]);
        Assert.Equal("upstream_rate_limited", call.Tags["error_kind"]);
        Assert.Equal(false, call.Tags["streamed"]);

        var error = Assert.Single(Of("aignehub.upstream.errors"));
        Assert.Equal(1, error.Value);
        Assert.Equal("openai", error.Tags["provider"]);
        Assert.Equal("upstream_rate_limited", error.Tags["error_kind"]);

        Assert.Equal(0.04, Assert.Single(Of("aignehub.call.duration")).Value, 10);
        Assert.Empty(Of("aignehub.call.ttfb"));
        Assert.Empty(Of("aignehub.tokens"));
    }

    [Fact]
    public void Failure_of_the_client_is_not_an_upstream_error()
    {
        _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.InvalidRequest, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 1));

        Assert.Equal("invalid_request", Assert.Single(Of("aignehub.calls")).Tags["error_kind"]);
        Assert.Empty(Of("aignehub.upstream.errors"));
    }

    [Fact]
    public void Open_stream_is_counted_until_disposed_and_only_once()
    {
        var stream = _metrics.TrackStream("openai");
        Assert.Equal(1, Of("aignehub.streams.active").Sum(m => m.Value));

        stream.Dispose();
        stream.Dispose();

        var changes = Of("aignehub.streams.active");
        Assert.Equal([1d, -1d], changes.Select(m => m.Value));
        Assert.All(changes, m => Assert.Equal("openai", m.Tags["surface"]));
    }

    [Fact]
    public void Model_names_the_hub_does_not_list_are_all_counted_as_other_however_many_a_client_sends()
    {
        for (var i = 0; i < 1000; i++)
        {
            _metrics.RecordCall(Record(CallStatus.Succeeded, ErrorKind.None, streamed: false, prompt: 1, completion: 1, ttfbMs: 1, latencyMs: 2) with { Model = $"made-up-{i}" });
            _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.ModelNotFound, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 1) with { Provider = "anthropic", Model = $"claude-{i}" });
            _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.ModelNotFound, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 1) with { Provider = string.Empty, Model = $"bare-{i}" });
            _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.UpstreamRejected, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 1) with { Provider = $"vendor-{i}", Model = $"m-{i}" });
        }

        _metrics.RecordCall(Record(CallStatus.Succeeded, ErrorKind.None, streamed: false, prompt: 1, completion: 1, ttfbMs: 1, latencyMs: 2));
        _metrics.RecordCall(Record(CallStatus.Succeeded, ErrorKind.None, streamed: false, prompt: 1, completion: 1, ttfbMs: 1, latencyMs: 2) with { Provider = "openrouter", Model = "openai/gpt-4o" });

        Assert.Equal(["gpt-4o-mini", "openai/gpt-4o", "other"], Values("model"));
        Assert.Equal(["", "anthropic", "openai", "openrouter", "other"], Values("provider"));
    }

    [Fact]
    public void A_bare_model_name_some_provider_lists_keeps_its_label()
    {
        _metrics.RecordCall(Record(CallStatus.Failed, ErrorKind.ModelNotFound, streamed: false, prompt: 0, completion: 0, ttfbMs: null, latencyMs: 1) with { Provider = string.Empty, Model = "text-embedding-3-small" });

        Assert.Equal("text-embedding-3-small", Assert.Single(Of("aignehub.calls")).Tags["model"]);
    }

    [Fact]
    public void A_model_listed_after_the_hub_started_gets_its_own_label_once_the_list_is_read_again()
    {
        var call = Record(CallStatus.Succeeded, ErrorKind.None, streamed: false, prompt: 1, completion: 1, ttfbMs: 1, latencyMs: 2) with { Model = "gpt-5" };
        _metrics.RecordCall(call);
        _catalog.Add("openai/gpt-5");

        _clock.Advance(MetricLabels.RefreshAfterMiss / 2);
        _metrics.RecordCall(call);
        _clock.Advance(MetricLabels.RefreshAfterMiss / 2);
        _metrics.RecordCall(call);

        Assert.Equal(["other", "other", "gpt-5"], Of("aignehub.calls").Select(m => m.Tags["model"]));
    }

    private string[] Values(string label) =>
        _measurements.Where(m => m.Tags.ContainsKey(label)).Select(m => (string)m.Tags[label]!).Distinct().Order(StringComparer.Ordinal).ToArray();

    private static CallRecord Record(CallStatus status, ErrorKind errorKind, bool streamed, int prompt, int completion, double? ttfbMs, double latencyMs) => new()
    {
        Id = Guid.CreateVersion7(),
        RequestId = "req-1",
        Provider = "openai",
        Model = "gpt-4o-mini",
        CallType = CallType.Chat,
        Streamed = streamed,
        PromptTokens = prompt,
        CompletionTokens = completion,
        TtfbMs = ttfbMs,
        LatencyMs = latencyMs,
        Status = status,
        ErrorKind = errorKind,
        StartedAt = DateTimeOffset.UnixEpoch,
    };

    private List<Measurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

    private void Capture(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Add(new Measurement(instrument.Name, value, copy));
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    /// <summary>A provider catalog that only lists models.</summary>
    private sealed class ListedModels(params string[] models) : IProviderCatalog
    {
        private readonly List<string> _models = [.. models];

        public void Add(string model) => _models.Add(model);

        public IReadOnlyList<ModelDescriptor> ListModels() =>
            _models.Select(m => new ModelDescriptor(m, m[..m.IndexOf('/')], DateTimeOffset.UnixEpoch, ModelKind.Chat)).ToArray();

        public IReadOnlyList<IChatProvider> Resolve(ModelName model) => throw new NotSupportedException();

        public IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(ModelName model) => throw new NotSupportedException();

        public IReadOnlyList<IImageProvider> ResolveImages(ModelName model) => throw new NotSupportedException();

        public ProviderAvailability Availability(string provider) => throw new NotSupportedException();
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
