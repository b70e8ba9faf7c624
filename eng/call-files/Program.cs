// Counts the src/ files whose code runs for every unary chat call (docs/architecture.md, "One chat call"): instruments
// the built hub with coverlet, runs it twice on a fresh embedded PostgreSQL against a fake OpenAI upstream (once with the
// warm-up calls only, once with as many more calls), and lists the files with a line that ran at least once per extra
// call. Start-up, warm-up and background work show in both runs and cancel out. Run through eng/call-files.sh.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

var hubDll = Path.GetFullPath(args[0]); // the built AigneHub.Api.dll; its folder is copied, never changed
var srcRoot = Path.GetFullPath(args[1]) + Path.DirectorySeparatorChar;
var warmUp = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
var calls = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 40;

using var upstream = FakeOpenAI.Start();
var baseline = await Run.HitsAsync(hubDll, upstream.BaseUrl, warmUp);
var measured = await Run.HitsAsync(hubDll, upstream.BaseUrl, warmUp + calls);

var files = measured
    .Where(line => line.Value - baseline.GetValueOrDefault(line.Key) >= calls)
    .Select(line => line.Key.File)
    .Where(file => file.StartsWith(srcRoot, StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal))
    .Select(file => file[srcRoot.Length..])
    .Distinct()
    .Order(StringComparer.Ordinal)
    .ToList();
foreach (var file in files)
{
    Console.WriteLine(file);
}

Console.WriteLine($"{files.Count} src files run for every one of {calls} unary chat calls after {warmUp} warm-up calls");

internal readonly record struct SourceLine(string File, int Line);

internal static class Run
{
    private const string OwnerKey = "ahk_0000000000000001_call-files-owner-key-0123456789-abcdefghijklmnopqrstuvw";

    /// <summary>Instruments the hub, starts it, makes <paramref name="chatCalls"/> calls, stops it and returns each line's hits.</summary>
    public static async Task<Dictionary<SourceLine, int>> HitsAsync(string builtHubDll, Uri upstream, int chatCalls)
    {
        var copy = TempFolder("call-files-hub-");
        try
        {
            CopyFolder(Path.GetDirectoryName(builtHubDll)!, copy.FullName);
            var hubDll = Path.Combine(copy.FullName, Path.GetFileName(builtHubDll));

            // Mono.Cecil resolves the ASP.NET Core shared framework's assemblies only beside the modules: they lie there while
            // the modules are instrumented, and are gone again before the hub starts on its own framework.
            var aspNetCore = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "Microsoft.AspNetCore.App", Environment.Version.ToString());
            var borrowed = Directory.GetFiles(aspNetCore, "*.dll")
                .Select(file => Path.Combine(copy.FullName, Path.GetFileName(file)))
                .Where(file => !File.Exists(file))
                .ToList();
            foreach (var file in borrowed)
            {
                File.Copy(Path.Combine(aspNetCore, Path.GetFileName(file)), file);
            }

            // coverlet.core's types are internal (its own console and collector are its friends): they are reached by
            // reflection, and its logger interface is implemented by a proxy.
            var logger = QuietLogger.Create();
            var fileSystem = Coverlet("Helpers.FileSystem");
            var roots = Coverlet("Helpers.SourceRootTranslator", logger, fileSystem);
            var helper = Coverlet("Helpers.InstrumentationHelper", Coverlet("Helpers.ProcessExitHandler"), Coverlet("Helpers.RetryHelper"), fileSystem, logger, roots);
            var parameters = Coverlet("CoverageParameters");
            Set(parameters, "IncludeFilters", new[] { "[AigneHub.*]*" });
            Set(parameters, "IncludeTestAssembly", true);
            var coverage = Coverlet("Coverage", hubDll, parameters, logger, helper, fileSystem, roots, Coverlet("Symbols.CecilSymbolHelper"));
            Call(coverage, "PrepareModules");
            borrowed.ForEach(File.Delete);
            await RunHubAsync(hubDll, upstream, chatCalls);

            // CoverageResult.Modules: module → document path → class → method → Lines (line number → hits).
            var hits = new Dictionary<SourceLine, int>();
            foreach (var documents in Values(Get(Call(coverage, "GetCoverageResult"), "Modules")))
            {
                foreach (var document in Entries(documents))
                {
                    var lines = Values(document.Value!).SelectMany(Values).SelectMany(method => Entries(method.GetType().GetField("Lines")!.GetValue(method)!));
                    foreach (var line in lines)
                    {
                        var key = new SourceLine((string)document.Key, (int)line.Key);
                        hits[key] = Math.Max(hits.GetValueOrDefault(key), (int)line.Value!);
                    }
                }
            }

            return hits;
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>A new folder under the temporary folder that the embedded PostgreSQL's user can enter.</summary>
    private static DirectoryInfo TempFolder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix);
        if (!OperatingSystem.IsWindows())
        {
            folder.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }

        return folder;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static object Coverlet(string type, params object[] arguments) =>
        Activator.CreateInstance(CoverletType(type), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, null, arguments, null)!;

    public static Type CoverletType(string type) =>
        typeof(Coverlet.Core.Exceptions.CoverletException).Assembly.GetType("Coverlet.Core." + type, throwOnError: true)!;

    private static object Call(object target, string method) => target.GetType().GetMethod(method)!.Invoke(target, null)!;

    private static object Get(object target, string property) => target.GetType().GetProperty(property)!.GetValue(target)!;

    private static void Set(object target, string property, object value) => target.GetType().GetProperty(property)!.SetValue(target, value);

    private static IEnumerable<object> Values(object dictionary) => Entries(dictionary).Select(entry => entry.Value!);

    private static IEnumerable<System.Collections.DictionaryEntry> Entries(object dictionary)
    {
        var entries = ((System.Collections.IDictionary)dictionary).GetEnumerator();
        while (entries.MoveNext())
        {
            yield return entries.Entry;
        }
    }

    private static async Task RunHubAsync(string hubDll, Uri upstream, int chatCalls)
    {
        var data = TempFolder("call-files-data-");
        var rest = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(hubDll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hubDll);
        start.Environment["AIGNEHUB_DATA"] = data.FullName;
        start.Environment["ConnectionStrings__Postgres"] = string.Empty;
        start.Environment["Embedded__Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Hub__RestUrl"] = rest.ToString();
        start.Environment["Hub__GrpcUrl"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["Access__BootstrapAdminKey"] = OwnerKey;
        start.Environment["Providers__OpenAI__BaseUrl"] = upstream.ToString();
        start.Environment["Providers__OpenAI__ApiKey"] = "sk-call-files-0123456789";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var hub = Process.Start(start)!;
        var output = new StringBuilder();
        hub.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        hub.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        hub.BeginOutputReadLine();
        hub.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = rest };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OwnerKey);
        try
        {
            await WaitHealthyAsync(http, hub, output);
            for (var i = 0; i < chatCalls; i++)
            {
                // A different prompt each time, so that no call is answered from the response cache.
                var body = $$"""{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"call {{i}}"}]}""";
                using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"call {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }

            await WaitRecordedAsync(http, chatCalls);
        }
        finally
        {
            // SIGTERM: the hub stops cleanly and the instrumented modules write their hits on exit.
            if (!hub.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", hub.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await term.WaitForExitAsync();
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await hub.WaitForExitAsync(stop.Token);
            data.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Waits until the usage statistics count every call: the records are written in batches and projected into the
    /// statistics asynchronously, and what a call sets off after its answer belongs to the call too.
    /// </summary>
    private static async Task WaitRecordedAsync(HttpClient http, int chatCalls)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var statistics = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/usage/statistics"));
            var counted = statistics.RootElement.GetProperty("totals").GetProperty("calls").GetInt64();
            if (counted >= chatCalls)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the usage statistics counted {counted} of {chatCalls} calls after 2 minutes");
            }

            await Task.Delay(1000); // slow, so that no read of the statistics runs as often as the calls
        }
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process hub, StringBuilder output)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (hub.HasExited || DateTime.UtcNow > deadline)
            {
                lock (output)
                {
                    throw new InvalidOperationException("the hub did not become healthy:\n" + output);
                }
            }

            try
            {
                using var health = await http.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }
    }

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

/// <summary>Answers every request as OpenAI's chat completions endpoint would, with one short answer.</summary>
internal sealed class FakeOpenAI : IDisposable
{
    private const string Answer = """{"id":"chatcmpl-fake","object":"chat.completion","created":1796354188,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";
    private readonly HttpListener _listener = new();

    private FakeOpenAI(int port)
    {
        BaseUrl = new Uri($"http://127.0.0.1:{port}/v1/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    public static FakeOpenAI Start() => new(Run.FreePort());

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream))
            {
                await reader.ReadToEndAsync();
            }

            var bytes = Encoding.UTF8.GetBytes(Answer);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}

/// <summary>coverlet's logger: only its warnings and errors are shown.</summary>
internal class QuietLogger : System.Reflection.DispatchProxy
{
    public static object Create() =>
        Create(Run.CoverletType("Abstractions.ILogger"), typeof(QuietLogger));

    protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name is "LogWarning" or "LogError")
        {
            Console.Error.WriteLine($"coverlet: {args?[0]}");
        }

        return null;
    }
}
