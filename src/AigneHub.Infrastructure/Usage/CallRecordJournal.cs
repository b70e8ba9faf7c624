using System.Text.Json.Serialization;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// A write-ahead journal of call records on local disk, so a record the hub accepted survives a killed process: each
/// record is appended as one JSON line to the current segment file (and handed to the operating system) before the
/// call's answer completes; a segment is deleted once every record in it is committed to the database; on start the
/// leftovers of a killed run are replayed. One journal folder ("slot") per running instance, held by a lock file; an
/// instance takes the first free slot under the base folder, so several instances on one machine never share one.
/// </summary>
internal sealed partial class CallRecordJournal : IDisposable
{
    private const int MaxSlots = 32;
    private const string SegmentPattern = "segment-*.jsonl";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    // One line buffer and writer per thread, reused: a record's JSON line is copied into the segment file and not kept.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_line;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly object _gate = new();
    private readonly bool _fsync;
    private readonly ILogger _logger;
    private readonly FileStream _lock;
    private readonly Dictionary<long, Segment> _segments = [];
    private long _nextSegment;
    private Segment? _current;

    private CallRecordJournal(string directory, FileStream lockFile, bool fsync, ILogger logger)
    {
        Directory = directory;
        _lock = lockFile;
        _fsync = fsync;
        _logger = logger;
        _nextSegment = System.IO.Directory.EnumerateFiles(directory, SegmentPattern).Select(SegmentNumber).DefaultIfEmpty(0).Max() + 1;
    }

    /// <summary>The slot folder this instance journals into.</summary>
    public string Directory { get; }

    /// <summary>Most records in one segment before the next one starts.</summary>
    public int SegmentRecords { get; init; } = 4096;

    /// <summary>
    /// Opens the first free slot under <paramref name="baseDirectory"/> (creating it owner-only), holding its lock
    /// file until disposed.
    /// </summary>
    public static CallRecordJournal Open(string baseDirectory, bool fsync, ILogger logger)
    {
        System.IO.Directory.CreateDirectory(baseDirectory);
        for (var slot = 0; slot < MaxSlots; slot++)
        {
            var directory = Path.Combine(baseDirectory, $"slot-{slot}");
            System.IO.Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            try
            {
                var lockFile = new FileStream(Path.Combine(directory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new CallRecordJournal(directory, lockFile, fsync, logger);
            }
            catch (IOException)
            {
                // Another instance holds this slot.
            }
        }

        throw new InvalidOperationException(
            $"All {MaxSlots} call journal slots under {baseDirectory} are held by running hub instances; set Usage:JournalPath to a folder of this instance's own.");
    }

    /// <summary>The default base folder: in the embedded data folder, else one per database under the temp folder.</summary>
    public static string DefaultBaseDirectory(HubDatabase database)
    {
        if (database.EmbeddedDataPath is { } data)
        {
            return Path.Combine(data, "call-journal");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(database.ConnectionString)))[..16];
        return Path.Combine(Path.GetTempPath(), $"aignehub-call-journal-{hash}");
    }

    /// <summary>
    /// Appends <paramref name="record"/> and hands it to the operating system (and to the disk when fsync is on);
    /// answers the segment it went to, or null when the journal could not write it (logged; the record still goes to
    /// the database, only without the crash guarantee).
    /// </summary>
    public long? Append(CallRecord record)
    {
        var line = Serialize(record);
        lock (_gate)
        {
            try
            {
                if (_current is null || _current.Appended >= SegmentRecords)
                {
                    Roll();
                }

                var segment = _current!;
                segment.File!.Write(line);
                segment.File.Flush(_fsync);
                segment.Appended++;
                return segment.Number;
            }
            catch (IOException ex)
            {
                LogAppendFailed(_logger, ex, record.RequestId);
                return null;
            }
        }
    }

    /// <summary>
    /// The record's JSON line and its newline, written into this thread's reused buffer (valid until the thread's next
    /// call): the bytes <see cref="JsonSerializer.SerializeToUtf8Bytes{TValue}(TValue, JsonSerializerOptions?)"/> gives,
    /// without a new array per call, and one write to the segment file instead of two. A buffer grown past 64 KB by a
    /// large record is not kept.
    /// </summary>
    private static ReadOnlySpan<byte> Serialize(CallRecord record)
    {
        var line = t_line;
        if (line is null || line.Capacity > 64 * 1024)
        {
            t_line = line = new ArrayBufferWriter<byte>(1024);
            t_writer = null;
        }

        line.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = Json.Encoder, Indented = Json.WriteIndented, MaxDepth = Json.MaxDepth });
        writer.Reset(line);
        JsonSerializer.Serialize(writer, record, Json);
        writer.Flush();
        line.Write("\n"u8);
        return line.WrittenSpan;
    }

    /// <summary>Notes that records of these segments are in the database; deletes segments that are done.</summary>
    public void Committed(IEnumerable<long?> segments)
    {
        lock (_gate)
        {
            foreach (var number in segments)
            {
                if (number is { } n && _segments.TryGetValue(n, out var segment))
                {
                    segment.Committed++;
                }
            }

            foreach (var segment in _segments.Values.Where(s => s.Committed >= s.Appended).ToList())
            {
                // A finished segment goes; so does the current one when everything in it is written (an idle hub keeps
                // no journal), and the next record starts a new one.
                Delete(segment);
                if (ReferenceEquals(segment, _current))
                {
                    _current = null;
                }
            }
        }
    }

    /// <summary>The records left by an earlier run in this slot (a truncated last line, cut by the kill, is skipped).</summary>
    public IReadOnlyList<(string Path, IReadOnlyList<CallRecord> Records)> Leftovers()
    {
        var leftovers = new List<(string, IReadOnlyList<CallRecord>)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, SegmentPattern).OrderBy(SegmentNumber))
        {
            if (_current?.Path == path)
            {
                continue;
            }

            var records = new List<CallRecord>();
            foreach (var line in File.ReadLines(path))
            {
                try
                {
                    if (line.Length > 0 && JsonSerializer.Deserialize<CallRecord>(line, Json) is { } record)
                    {
                        records.Add(record);
                    }
                }
                catch (JsonException)
                {
                    LogTornLine(_logger, path);
                }
            }

            leftovers.Add((path, records));
        }

        return leftovers;
    }

    public static void DeleteFile(string path) => File.Delete(path);

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                segment.File?.Dispose();
            }

            _lock.Dispose();
        }
    }

    private void Roll()
    {
        var number = _nextSegment++;
        var path = Path.Combine(Directory, $"segment-{number:D12}.jsonl");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _current = new Segment(number, path) { File = file };
        _segments[number] = _current;
    }

    private void Delete(Segment segment)
    {
        segment.File?.Dispose();
        segment.File = null;
        _segments.Remove(segment.Number);
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException ex)
        {
            LogDeleteFailed(_logger, ex, segment.Path);
        }
    }

    private static long SegmentNumber(string path) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path).AsSpan("segment-".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not journal the call record of request {RequestId}; it is written to the database without the crash guarantee")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped a torn line in call journal segment {Path} (the process was stopped while writing it)")]
    private static partial void LogTornLine(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete finished call journal segment {Path}; it will be replayed (without duplicates) at the next start")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string path);

    private sealed class Segment(long number, string path)
    {
        public long Number { get; } = number;

        public string Path { get; } = path;

        public FileStream? File { get; set; }

        public int Appended { get; set; }

        public int Committed { get; set; }
    }
}
