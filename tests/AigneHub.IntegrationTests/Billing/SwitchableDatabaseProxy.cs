using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>
/// A TCP relay in front of PostgreSQL that can refuse service: while <see cref="Refusing"/>, every new connection is
/// closed at once (the client sees the connection drop, as when the server is full or restarting); otherwise bytes
/// pass both ways. Connections opened before a refusal keep working, so clients should not pool through it.
/// </summary>
internal sealed class SwitchableDatabaseProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IPEndPoint _server;
    private readonly Task _accepting;
    private int _refused;

    public SwitchableDatabaseProxy(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _server = new IPEndPoint(IPAddress.Parse(builder.Host!), builder.Port);
        _listener.Start();
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The database's connection string through the relay, unpooled.</summary>
    public string ConnectionString { get; }

    public bool Refusing { get; set; }

    /// <summary>How many connections were refused so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Refusing)
            {
                Interlocked.Increment(ref _refused);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_server, _stopping.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stopping.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stopping.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
