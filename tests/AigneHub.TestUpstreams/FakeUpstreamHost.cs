using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AigneHub.TestUpstreams;

/// <summary>
/// What every fake upstream shares: a real Kestrel server on 127.0.0.1 (a free port), its start and stop, the record of
/// what arrived (requests, connections, counts, abandoned requests), a fixed latency, hanging until the client or the
/// server gives up, and the writing helpers of an answer (flush, raw bytes, Retry-After, event streams). A fake derives
/// from it and keeps only its provider's wire format: routes, JSON bodies, streaming framing and error bodies.
/// </summary>
public abstract class FakeUpstreamHost : IAsyncDisposable
{
    /// <summary>JSON as the providers write it: no escaping of characters that need none in a JSON string.</summary>
    protected static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _connectionIds = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private TaskCompletionSource _clientAborted = NewSignal();
    private long _requestCount;
    private long _abortedCount;
    private long _nextId;

    public int Port { get; private set; }

    /// <summary>Added before every answer (a fixed upstream latency, e.g. for benchmarks).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Off for benchmarks: recording copies every request's headers and body.</summary>
    public bool RecordRequests { get; set; } = true;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public RecordedRequest LastRequest => _requests.LastOrDefault() ?? throw new InvalidOperationException("No request has arrived.");

    /// <summary>The Kestrel connection id of every recorded request, in order: equal ids mean a reused connection.</summary>
    public IReadOnlyList<string> ConnectionIds => _connectionIds.ToArray();

    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>Requests whose client went away (closed or reset the connection) before the answer was complete.</summary>
    public long AbortedRequestCount => Interlocked.Read(ref _abortedCount);

    /// <summary>Completes when a client abandons a request mid-answer (<c>HttpContext.RequestAborted</c> fired).</summary>
    public Task ClientAborted => Volatile.Read(ref _clientAborted).Task;

    /// <summary>"http://127.0.0.1:PORT", without a path.</summary>
    protected string Origin => $"http://127.0.0.1:{Port}";

    /// <summary>No recorded requests or connections, a fresh <see cref="ClientAborted"/> and no latency.</summary>
    public virtual void Reset()
    {
        _requests.Clear();
        _connectionIds.Clear();
        Volatile.Write(ref _clientAborted, NewSignal());
        Latency = TimeSpan.Zero;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null)
        {
            return;
        }

        // Hung and stalled answers end first, or stopping the server would wait for them.
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts Kestrel on 127.0.0.1 and a free port, answering every request with <paramref name="upstream"/>.</summary>
    protected static async Task<TUpstream> StartAsync<TUpstream>(TUpstream upstream, CancellationToken cancellationToken)
        where TUpstream : FakeUpstreamHost
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeUpstreamHost).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.Run(upstream.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream._app = app;
        upstream.Port = new Uri(address).Port;
        return upstream;
    }

    /// <summary>
    /// Answers one request whose body has been read (and recorded). A client that goes away mid-answer is counted, and
    /// its <see cref="OperationCanceledException"/> or <see cref="IOException"/> is swallowed.
    /// </summary>
    protected abstract Task AnswerAsync(HttpContext context, byte[] body);

    /// <summary>The path a request is recorded with: the decoded path unless a fake needs the raw one.</summary>
    protected virtual string RecordedPath(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Path.Value ?? string.Empty;
    }

    /// <summary>Waits <see cref="Latency"/>, if any.</summary>
    protected Task DelayAsync(CancellationToken aborted) =>
        Latency > TimeSpan.Zero ? Task.Delay(Latency, aborted) : Task.CompletedTask;

    /// <summary>An increasing number, as 8 hex digits, for ids in answers.</summary>
    protected string NextId() => Interlocked.Increment(ref _nextId).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Holds the request (a hung upstream) until the client gives up, or aborts it when the server stops.</summary>
    protected async Task WaitUntilAbortedOrStoppingAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    /// <summary>Sends what was written so far; throws once the client is gone.</summary>
    protected static async Task FlushAsync(PipeWriter writer, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var result = await writer.FlushAsync(aborted).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            // Kestrel completes the pipe once the client is gone.
            aborted.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Answers with exactly these bytes (e.g. malformed JSON, a proxy's HTML page), after these headers.</summary>
    protected static async Task WriteRawAsync(HttpContext context, int status, string? contentType, byte[] body, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.BodyWriter.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Sets a Retry-After header (under the name the provider uses) to whole seconds, rounded up.</summary>
    protected static void SetRetryAfter(HttpResponse response, string headerName, TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (retryAfter is { } delay)
        {
            response.Headers[headerName] = Math.Ceiling(delay.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Starts a 200 event stream that no cache may keep.</summary>
    protected static void StartEventStream(HttpResponse response, string contentType = "text/event-stream; charset=utf-8")
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Starts one server-sent event: an <c>event:</c> line when it is named, then <c>data: </c> (its data follows).</summary>
    protected static void BeginEvent(PipeWriter output, ReadOnlySpan<byte> eventName = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!eventName.IsEmpty)
        {
            output.Write("event: "u8);
            output.Write(eventName);
            output.Write("\n"u8);
        }

        output.Write("data: "u8);
    }

    /// <summary>Ends one server-sent event with the blank line after its data, in the line ending the provider uses.</summary>
    protected static void EndEvent(PipeWriter output, bool crlf = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(crlf ? "\r\n\r\n"u8 : "\n\n"u8);
    }

    /// <summary>Words that keep their leading whitespace, so joining them gives back the text.</summary>
    protected static List<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start && !text.AsSpan(start, i - start).IsWhiteSpace())
            {
                words.Add(text[start..i]);
                start = i;
            }
        }

        return words;
    }

    /// <summary>The default answer, word by word: "You said: " and the last user message, or "nothing".</summary>
    protected static List<string> EchoWords(string? lastUserText) =>
        Words("You said: " + (string.IsNullOrWhiteSpace(lastUserText) ? "nothing" : lastUserText));

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task<byte[]> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                var body = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return body;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        Interlocked.Increment(ref _requestCount);
        try
        {
            var body = await ReadBodyAsync(context.Request.BodyReader, aborted).ConfigureAwait(false);
            if (RecordRequests)
            {
                _requests.Enqueue(Record(context, body));
                _connectionIds.Enqueue(context.Connection.Id);
            }

            await AnswerAsync(context, body).ConfigureAwait(false);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; noted below.
        }
        finally
        {
            if (aborted.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref _abortedCount);
                Volatile.Read(ref _clientAborted).TrySetResult();
            }
        }
    }

    private RecordedRequest Record(HttpContext context, byte[] body)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        return new RecordedRequest(context.Request.Method, RecordedPath(context), headers, Encoding.UTF8.GetString(body));
    }
}
