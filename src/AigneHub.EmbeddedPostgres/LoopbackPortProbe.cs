using System.Net;
using System.Net.Sockets;

namespace AigneHub.EmbeddedPostgres;

/// <summary>
/// Asks whether PostgreSQL could listen on a loopback port, by binding and listening the way the postmaster does:
/// with <c>SO_REUSEADDR</c> on Unix and nothing else. On Linux that bind still fails while the port's last connection
/// sits in TIME-WAIT, if that connection's socket was made without <c>SO_REUSEADDR</c> (curl, wrk, most clients): the
/// kernel keeps the port for 60 s. <see cref="HasListener"/> tells that case (nobody listens; the port frees itself)
/// from a port that another program really serves.
/// </summary>
internal static class LoopbackPortProbe
{
    // SOL_SOCKET / SO_REUSEADDR on Linux. .NET already sets it on every TCP bind on Unix; setting it here says so rather
    // than relying on it. (SocketOptionName.ReuseAddress would also set SO_REUSEPORT, which PostgreSQL does not.)
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    // Socket states in /proc/net/tcp (include/net/tcp_states.h).
    private const string Listen = "0A";

    /// <returns>Null when the port is free for a listener; else the socket error that binding or listening gave.</returns>
    public static SocketError? TryListen(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    /// <summary>
    /// Whether any socket listens on the TCP port (any address, IPv4 or IPv6). Where the kernel's socket tables cannot
    /// be read (not Linux), answers true: a port that cannot be bound is then treated as served.
    /// </summary>
    public static bool HasListener(int port)
    {
        var tables = new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).ToList();
        if (tables.Count == 0)
        {
            return true;
        }

        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in tables)
        {
            // "  sl  local_address rem_address   st ...": local_address is ADDRESS:PORT in hex.
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 4 && fields[3] == Listen && fields[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
