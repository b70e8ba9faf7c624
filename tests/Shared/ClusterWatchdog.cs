using System.Diagnostics;
using System.Globalization;

namespace AigneHub.Tests.Shared;

/// <summary>
/// Ties a PostgreSQL cluster to the process that started it: a small shell loop, detached from that process's tree
/// (setsid --fork, so killing the test host and its children does not kill it too), waits until the owner is gone,
/// then stops the postmaster with a fast shutdown and deletes the cluster's folder. When the owner stops the cluster
/// itself, the loop finds no postmaster and only deletes what is left. Only a folder named aignehub-* is deleted.
/// </summary>
public static class ClusterWatchdog
{
    /// <param name="ownerPid">The process whose end ends the cluster.</param>
    /// <param name="pgData">The cluster's data directory (holds postmaster.pid).</param>
    /// <param name="folder">The folder to delete afterwards (holds <paramref name="pgData"/>).</param>
    public static void Start(int ownerPid, string pgData, string folder)
    {
        var pidFile = Path.Combine(pgData, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
        // Positional parameters, never interpolated into the script: paths reach the shell as data.
        const string Script =
            """
            exec </dev/null >/dev/null 2>&1
            owner=$1 postmaster=$2 folder=$3
            while kill -0 "$owner" 2>/dev/null; do sleep 1; done
            if kill -0 "$postmaster" 2>/dev/null; then
              kill -INT "$postmaster" 2>/dev/null
              i=0; while kill -0 "$postmaster" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
              kill -KILL "$postmaster" 2>/dev/null
            fi
            case "${folder##*/}" in aignehub-*) rm -rf -- "$folder" ;; esac
            """;
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--fork", "/bin/sh", "-c", Script, "aignehub-cluster-watchdog", ownerPid.ToString(CultureInfo.InvariantCulture), postmaster.ToString(CultureInfo.InvariantCulture), folder })
        {
            start.ArgumentList.Add(argument);
        }

        using var launcher = Process.Start(start) ?? throw new InvalidOperationException("could not start setsid for the cluster watchdog");
        launcher.WaitForExit();
    }
}
