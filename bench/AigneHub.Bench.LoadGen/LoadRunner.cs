using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AigneHub.Bench.LoadGen;

/// <summary>
/// A closed loop: <see cref="LoadGenOptions.Concurrency"/> workers, each sending one chat completion, reading the whole
/// answer (a stream until <c>data: [DONE]</c>), and sending the next. Requests started during the warm-up are sent but
/// not measured; measured requests are those started after it, until the duration or the request count runs out.
/// </summary>
internal sealed class LoadRunner
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly LoadGenOptions _options;
    private readonly byte[] _body;
    private readonly AuthenticationHeaderValue[] _authorizations;
    private readonly ConcurrentDictionary<string, int> _errorKinds = new(StringComparer.Ordinal);
    private long _claimed;
    private long _sent;
    private long _succeeded;
    private long _nextKey = -1;
    private string? _firstError;

    public LoadRunner(LoadGenOptions options)
    {
        _options = options;
        _body = RequestBody(options.Model, options.Stream);
        _authorizations = [.. options.ApiKeys.Select(k => new AuthenticationHeaderValue("Bearer", k))];
    }

    public async Task<LoadResult> RunAsync()
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = _options.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + Ticks(_options.WarmupSeconds);
        var deadline = _options.DurationSeconds is { } duration ? measureFrom + Ticks(duration) : long.MaxValue;

        var workers = new Task<WorkerStats>[_options.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(client, measureFrom, deadline));
        }

        var stats = await Task.WhenAll(workers).ConfigureAwait(false);

        var latencies = stats.SelectMany(s => s.Latencies).ToArray();
        var ttfbs = stats.SelectMany(s => s.Ttfbs).ToArray();
        var measured = stats.Sum(s => s.Measured);
        var errors = stats.Sum(s => s.Errors);
        var lastCompleted = stats.Max(s => s.LastCompleted);
        var seconds = measured == 0 ? 0 : Math.Max(0, lastCompleted - measureFrom) / (double)Stopwatch.Frequency;
        Array.Sort(latencies);
        Array.Sort(ttfbs);

        return new LoadResult(
            Endpoint: _options.Endpoint.ToString(),
            Model: _options.Model,
            Stream: _options.Stream,
            Concurrency: _options.Concurrency,
            Requests: measured,
            Errors: errors,
            Seconds: seconds,
            Rps: seconds > 0 ? latencies.Length / seconds : 0,
            LatencyMs: Summary.Of(latencies),
            TtfbMs: _options.Stream ? Summary.Of(ttfbs) : null,
            WarmupRequests: Interlocked.Read(ref _sent) - measured,
            SentTotal: Interlocked.Read(ref _sent),
            SucceededTotal: Interlocked.Read(ref _succeeded),
            ApiKeys: _authorizations.Length,
            ErrorKinds: new SortedDictionary<string, int>(_errorKinds, StringComparer.Ordinal),
            FirstError: _firstError);
    }

    private async Task<WorkerStats> WorkAsync(HttpClient client, long measureFrom, long deadline)
    {
        var stats = new WorkerStats();
        var buffer = new byte[16 * 1024];
        var scanner = new SseScanner();
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            if (started >= deadline)
            {
                break;
            }

            var measuring = started >= measureFrom;
            if (measuring && _options.Requests is { } cap && Interlocked.Increment(ref _claimed) > cap)
            {
                break;
            }

            Interlocked.Increment(ref _sent);
            var outcome = await SendOneAsync(client, buffer, scanner, started).ConfigureAwait(false);
            buffer = outcome.Buffer;
            var completed = Stopwatch.GetTimestamp();
            if (outcome.Error is null)
            {
                Interlocked.Increment(ref _succeeded);
            }

            if (!measuring)
            {
                continue;
            }

            stats.Measured++;
            stats.LastCompleted = Math.Max(stats.LastCompleted, completed);
            if (outcome.Error is not null)
            {
                stats.Errors++;
                _errorKinds.AddOrUpdate(outcome.Error, 1, static (_, n) => n + 1);
                continue;
            }

            stats.Latencies.Add(Milliseconds(completed - started));
            if (outcome.FirstData > 0)
            {
                stats.Ttfbs.Add(Milliseconds(outcome.FirstData - started));
            }
        }

        return stats;
    }

    private async Task<Outcome> SendOneAsync(HttpClient client, byte[] buffer, SseScanner scanner, long started)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(_body),
            };
            request.Content.Headers.ContentType = Json;
            if (_authorizations.Length > 0)
            {
                // Round robin over the keys, request by request (one key: always that one).
                var turn = (ulong)Interlocked.Increment(ref _nextKey);
                request.Headers.Authorization = _authorizations[(int)(turn % (ulong)_authorizations.Length)];
            }

            if (_options.Stream)
            {
                request.Headers.Accept.ParseAdd("text/event-stream");
            }

            foreach (var (name, value) in _options.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);

            if (!response.IsSuccessStatusCode)
            {
                var (failed, length) = await ReadAllAsync(body, buffer, timeout.Token).ConfigureAwait(false);
                NoteFirstError($"HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(failed, 0, Math.Min(length, 500))}");
                return new Outcome(failed, $"http_{(int)response.StatusCode}", 0);
            }

            if (!_options.Stream)
            {
                var (read, length) = await ReadAllAsync(body, buffer, timeout.Token).ConfigureAwait(false);
                if (read.AsSpan(0, length).IndexOf("\"chat.completion\""u8) < 0)
                {
                    NoteFirstError("Not a chat.completion: " + System.Text.Encoding.UTF8.GetString(read, 0, Math.Min(length, 500)));
                    return new Outcome(read, "not_a_completion", 0);
                }

                return new Outcome(read, null, 0);
            }

            scanner.Reset();
            var carry = 0;
            while (true)
            {
                if (carry == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var n = await body.ReadAsync(buffer.AsMemory(carry), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                carry = scanner.Scan(buffer, carry + n);
            }

            var error = scanner.ErrorEvent ? "stream_error_event" : !scanner.Done ? "stream_without_done" : null;
            if (error is not null)
            {
                NoteFirstError(error);
            }

            return new Outcome(buffer, error, scanner.FirstData);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            NoteFirstError($"timeout after {_options.TimeoutSeconds} s");
            return new Outcome(buffer, "timeout", 0);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            NoteFirstError(ex.GetType().Name + ": " + ex.Message);
            return new Outcome(buffer, ex is HttpRequestException { HttpRequestError: var kind } ? "http_" + kind : "io_error", 0);
        }
    }

    private static async Task<(byte[] Buffer, int Length)> ReadAllAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var n = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return (buffer, length);
            }

            length += n;
        }
    }

    private void NoteFirstError(string message) => Interlocked.CompareExchange(ref _firstError, message, null);

    private static byte[] RequestBody(string model, bool stream)
    {
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            json.WriteStartObject();
            json.WriteString("role", "system");
            json.WriteString("content", "You are a concise assistant.");
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteString("content", "Say hello to the benchmark in a few words.");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteNumber("max_tokens", 64);
            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return output.ToArray();
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private readonly record struct Outcome(byte[] Buffer, string? Error, long FirstData);

    private sealed class WorkerStats
    {
        public List<double> Latencies { get; } = new(4096);

        public List<double> Ttfbs { get; } = new(4096);

        public long Measured { get; set; }

        public long Errors { get; set; }

        public long LastCompleted { get; set; }
    }

    /// <summary>
    /// Reads Server-Sent Events line by line: notes when the first <c>data:</c> line arrived, whether
    /// <c>data: [DONE]</c> came, and whether an <c>event: error</c> did.
    /// </summary>
    private sealed class SseScanner
    {
        public long FirstData { get; private set; }

        public bool Done { get; private set; }

        public bool ErrorEvent { get; private set; }

        public void Reset()
        {
            FirstData = 0;
            Done = false;
            ErrorEvent = false;
        }

        /// <summary>Handles every complete line in <c>buffer[..length]</c>, moves the incomplete rest to the front and returns its length.</summary>
        public int Scan(byte[] buffer, int length)
        {
            var lineStart = 0;
            while (true)
            {
                var newline = buffer.AsSpan(lineStart, length - lineStart).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                var line = buffer.AsSpan(lineStart, newline);
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.StartsWith("data:"u8))
                {
                    if (FirstData == 0)
                    {
                        FirstData = Stopwatch.GetTimestamp();
                    }

                    var payload = line[5..].TrimStart((byte)' ');
                    if (payload.SequenceEqual("[DONE]"u8))
                    {
                        Done = true;
                    }
                }
                else if (line.StartsWith("event:"u8) && line[6..].Trim((byte)' ').SequenceEqual("error"u8))
                {
                    ErrorEvent = true;
                }

                lineStart += newline + 1;
            }

            var rest = length - lineStart;
            buffer.AsSpan(lineStart, rest).CopyTo(buffer);
            return rest;
        }
    }
}

/// <summary>Latency percentiles (nearest rank) in milliseconds.</summary>
internal sealed record Summary(double P50, double P90, double P99, double Mean, double Max)
{
    public static Summary? Of(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        return new Summary(Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted.Average(), sorted[^1]);
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

internal sealed record LoadResult(
    string Endpoint,
    string Model,
    bool Stream,
    int Concurrency,
    long Requests,
    long Errors,
    double Seconds,
    double Rps,
    Summary? LatencyMs,
    Summary? TtfbMs,
    long WarmupRequests,
    long SentTotal,
    long SucceededTotal,
    int ApiKeys,
    IReadOnlyDictionary<string, int> ErrorKinds,
    string? FirstError)
{
    /// <summary>One flat JSON object on one line; numbers rounded to 0.001.</summary>
    public string ToJsonLine()
    {
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("url", Endpoint);
            json.WriteString("model", Model);
            json.WriteBoolean("stream", Stream);
            json.WriteNumber("concurrency", Concurrency);
            json.WriteNumber("requests", Requests);
            json.WriteNumber("errors", Errors);
            json.WriteNumber("seconds", Round(Seconds));
            json.WriteNumber("rps", Round(Rps));
            WriteSummary(json, "", LatencyMs);
            WriteSummary(json, "ttfb_", TtfbMs);
            json.WriteNumber("warmup_requests", WarmupRequests);
            json.WriteNumber("sent_total", SentTotal);
            json.WriteNumber("succeeded_total", SucceededTotal);
            json.WriteNumber("api_keys", ApiKeys);
            json.WriteStartObject("error_kinds");
            foreach (var (kind, count) in ErrorKinds)
            {
                json.WriteNumber(kind, count);
            }

            json.WriteEndObject();
            if (FirstError is null)
            {
                json.WriteNull("first_error");
            }
            else
            {
                json.WriteString("first_error", FirstError);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
    }

    private static void WriteSummary(Utf8JsonWriter json, string prefix, Summary? summary)
    {
        foreach (var (name, value) in new[]
                 {
                     ("p50", summary?.P50), ("p90", summary?.P90), ("p99", summary?.P99), ("mean", summary?.Mean), ("max", summary?.Max),
                 })
        {
            var key = $"{name}_{prefix}ms";
            if (value is { } v)
            {
                json.WriteNumber(key, Round(v));
            }
            else
            {
                json.WriteNull(key);
            }
        }
    }

    private static double Round(double value) => Math.Round(value, 3, MidpointRounding.AwayFromZero);
}
