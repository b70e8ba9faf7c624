using System.Globalization;

namespace AigneHub.Bench.FakeUpstream;

/// <summary>Command line: <c>--port N --latency-ms N --stream-chunks N --chunk-delay-ms N</c>.</summary>
internal sealed record FakeUpstreamOptions(int Port, int LatencyMs, int StreamChunks, int ChunkDelayMs)
{
    public const string Usage =
        "usage: AigneHub.Bench.FakeUpstream [--port N (0 = any free port)] [--latency-ms N] [--stream-chunks N] [--chunk-delay-ms N]";

    public static FakeUpstreamOptions Parse(string[] args)
    {
        var port = 0;
        var latency = 0;
        var chunks = 8;
        var chunkDelay = 0;
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
                case "--port":
                    port = ParseInt(name, value, 0, 65535);
                    break;
                case "--latency-ms":
                    latency = ParseInt(name, value, 0, 600_000);
                    break;
                case "--stream-chunks":
                    chunks = ParseInt(name, value, 1, 100_000);
                    break;
                case "--chunk-delay-ms":
                    chunkDelay = ParseInt(name, value, 0, 60_000);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.\n{Usage}");
            }
        }

        return new FakeUpstreamOptions(port, latency, chunks, chunkDelay);
    }

    private static int ParseInt(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            throw new ArgumentException($"{name} must be a whole number from {min} to {max} (got '{value}').");
        }

        return parsed;
    }
}
