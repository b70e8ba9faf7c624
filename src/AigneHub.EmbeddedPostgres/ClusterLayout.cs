using System.Text;

namespace AigneHub.EmbeddedPostgres;

/// <summary>Where the embedded cluster keeps its files inside the data folder.</summary>
internal sealed class ClusterLayout(string dataPath)
{
    public string DataPath { get; } = dataPath;

    public string PgData => Path.Combine(DataPath, "postgres");

    // A folder rather than a file next to PGDATA: when the hub runs as root, the postgres user owns
    // this folder and can create and rotate the log itself without write access to the data folder.
    public string LogDirectory => Path.Combine(DataPath, "logs");

    public string LogFile => Path.Combine(LogDirectory, "postgres.log");

    public string PasswordFile => Path.Combine(DataPath, "postgres.password");

    private string PidFile => Path.Combine(PgData, "postmaster.pid");

    public bool IsInitialised() => File.Exists(Path.Combine(PgData, "PG_VERSION"));

    /// <summary>The port a running postmaster listens on (fourth line of postmaster.pid).</summary>
    public int? ReadRunningPort() => ReadPidFileLine(3);

    /// <summary>The process id of a running postmaster (first line of postmaster.pid).</summary>
    public int? ReadPostmasterPid() => ReadPidFileLine(0);

    private int? ReadPidFileLine(int index)
    {
        try
        {
            var lines = File.ReadAllLines(PidFile);
            return lines.Length > index && int.TryParse(lines[index].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public long LogLength()
    {
        var info = new FileInfo(LogFile);
        return info.Exists ? info.Length : 0;
    }

    /// <summary>
    /// The last lines the server wrote after <paramref name="fromOffset"/>, so an old failure earlier in
    /// the log is not mistaken for the current one.
    /// </summary>
    public string ReadLogTail(int lines, long fromOffset)
    {
        const int MaxBytes = 64 * 1024;
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (fromOffset >= stream.Length)
            {
                return $"(the server wrote nothing new to '{LogFile}')";
            }

            stream.Seek(Math.Max(fromOffset, stream.Length - MaxBytes), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, all.TakeLast(lines).Select(l => l.TrimEnd('\r')));
        }
        catch (IOException ex)
        {
            return $"(server log '{LogFile}' unreadable: {ex.Message})";
        }
        catch (UnauthorizedAccessException ex)
        {
            return $"(server log '{LogFile}' unreadable: {ex.Message})";
        }
    }
}
