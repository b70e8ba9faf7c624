using System.Globalization;
using System.Net;

namespace AigneHub.Bench.LoadGen;

/// <summary>
/// Command line: <c>--url U --model M --stream true|false --concurrency N --duration-seconds S --requests N
/// --warmup-seconds S --timeout-seconds S --api-key K --header name:value</c> (--header repeats). Whichever of duration and request count is reached first ends the run;
/// with neither, the run lasts 10 seconds.
/// </summary>
internal sealed record LoadGenOptions(
    Uri Endpoint,
    string Model,
    bool Stream,
    int Concurrency,
    double? DurationSeconds,
    long? Requests,
    double WarmupSeconds,
    double TimeoutSeconds,
    IReadOnlyList<string> ApiKeys)
{
    /// <summary>Extra request headers sent with every call (e.g. <c>x-aignehub-cache: use</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public const string Usage =
        "usage: AigneHub.Bench.LoadGen --url http://127.0.0.1:PORT[/v1[/chat/completions]] [--model M] [--stream true|false] " +
        "[--concurrency N] [--duration-seconds S] [--requests N] [--warmup-seconds S] [--timeout-seconds S] [--api-key K | --api-keys-file F] [--header name:value]…";

    public static LoadGenOptions Parse(string[] args)
    {
        string? url = null;
        var model = "gpt-4o-mini";
        var stream = false;
        var concurrency = 16;
        double? duration = null;
        long? requests = null;
        var warmup = 0d;
        var timeout = 30d;
        string? apiKey = null;
        string? apiKeysFile = null;
        var headers = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new ArgumentException(Usage);
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.\n{Usage}");
            }

            var value = args[++i];
            switch (name)
            {
                case "--url":
                    url = value;
                    break;
                case "--model":
                    model = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("--model must not be empty.") : value;
                    break;
                case "--stream":
                    stream = value.ToLowerInvariant() switch
                    {
                        "true" or "1" or "yes" => true,
                        "false" or "0" or "no" => false,
                        _ => throw new ArgumentException($"--stream must be true or false (got '{value}')."),
                    };
                    break;
                case "--concurrency":
                    concurrency = (int)ParseNumber(name, value, 1, 4096, wholeNumber: true);
                    break;
                case "--duration-seconds":
                    duration = ParseNumber(name, value, 0.1, 86_400, wholeNumber: false);
                    break;
                case "--requests":
                    requests = (long)ParseNumber(name, value, 1, 100_000_000, wholeNumber: true);
                    break;
                case "--warmup-seconds":
                    warmup = ParseNumber(name, value, 0, 3600, wholeNumber: false);
                    break;
                case "--timeout-seconds":
                    timeout = ParseNumber(name, value, 0.1, 3600, wholeNumber: false);
                    break;
                case "--api-key":
                    apiKey = string.IsNullOrWhiteSpace(value) ? null : value;
                    break;
                case "--api-keys-file":
                    apiKeysFile = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("--api-keys-file must not be empty.") : value;
                    break;
                case "--header":
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    headers.Add(colon > 0 ? new(value[..colon].Trim(), value[(colon + 1)..].Trim()) : throw new ArgumentException($"--header must be name:value (got '{value}')."));
                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.\n{Usage}");
            }
        }

        if (url is null)
        {
            throw new ArgumentException($"--url is required.\n{Usage}");
        }

        if (duration is null && requests is null)
        {
            duration = 10;
        }

        if (apiKey is not null && apiKeysFile is not null)
        {
            throw new ArgumentException("Give --api-key or --api-keys-file, not both.");
        }

        IReadOnlyList<string> apiKeys = apiKeysFile is not null ? ReadKeys(apiKeysFile) : apiKey is not null ? [apiKey] : [];
        return new LoadGenOptions(ToEndpoint(url), model, stream, concurrency, duration, requests, warmup, timeout, apiKeys) { Headers = headers };
    }

    /// <summary>One access key per line; blank lines are skipped. The keys are never printed.</summary>
    private static string[] ReadKeys(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--api-keys-file: cannot read '{path}' ({ex.GetType().Name}).");
        }

        var keys = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (keys.Length == 0)
        {
            throw new ArgumentException($"--api-keys-file: '{path}' holds no key.");
        }

        if (keys.Any(k => k.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"--api-keys-file: '{path}' must hold one key per line, without spaces.");
        }

        return keys;
    }

    /// <summary>
    /// The chat completions endpoint for a base URL ("http://127.0.0.1:8080", ".../v1" or the endpoint itself). Only
    /// loopback addresses are accepted: this tool must never load a machine other than the one it runs on.
    /// </summary>
    internal static Uri ToEndpoint(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"--url must be an absolute http:// URL (got '{url}').");
        }

        if (!IsLoopback(uri))
        {
            throw new ArgumentException($"--url must point at this machine (127.0.0.1, ::1 or localhost); refusing '{uri.Host}'.");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ArgumentException($"--url must not carry a query, fragment or credentials (got '{url}').");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return uri;
        }

        if (!path.EndsWith("/v1", StringComparison.Ordinal))
        {
            path += "/v1";
        }

        return new UriBuilder(uri) { Path = path + "/chat/completions" }.Uri;
    }

    private static bool IsLoopback(Uri uri)
    {
        if (uri.IsLoopback && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return true;
        }

        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static double ParseNumber(string name, string value, double min, double max, bool wholeNumber)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            || double.IsNaN(parsed) || parsed < min || parsed > max || (wholeNumber && parsed != Math.Floor(parsed)))
        {
            var kind = wholeNumber ? "a whole number" : "a number";
            throw new ArgumentException($"{name} must be {kind} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{value}').");
        }

        return parsed;
    }
}
