using System.Net;
using AigneHub.Application;
using AigneHub.Infrastructure;
using AigneHub.EmbeddedPostgres;
using AigneHub.Infrastructure.Persistence;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AigneHub.Api.Hosting;

/// <summary>
/// The composition root: decides the database (configured, or the embedded cluster started here), wires the layers,
/// maps the surfaces, and on disposal stops the host and then the embedded cluster, in that order, so that queued
/// call records are written before the database goes away.
/// </summary>
public sealed partial class HubApplication : IAsyncDisposable
{
    private readonly EmbeddedPostgresCluster? _embedded;
    private readonly ListenOptions _rest;
    private readonly ListenOptions _grpc;
    private bool _disposed;
    private bool _starting;
    private bool _started;

    private IAsyncDisposable? _startupLock;

    private HubApplication(WebApplication app, EmbeddedPostgresCluster? embedded, ListenOptions rest, ListenOptions grpc, IAsyncDisposable startupLock)
    {
        _startupLock = startupLock;
        App = app;
        _embedded = embedded;
        _rest = rest;
        _grpc = grpc;
    }

    public WebApplication App { get; }

    /// <summary>The REST base address actually bound (valid after start).</summary>
    public Uri RestUri => ToUri(_rest);

    /// <summary>The gRPC (h2c) base address actually bound (valid after start).</summary>
    public Uri GrpcUri => ToUri(_grpc);

    public bool UsesEmbeddedDatabase => _embedded is not null;

    /// <param name="configure">Extra configuration, applied last (tests use it).</param>
    /// <param name="services">Extra service registrations, applied after the hub's own so they win (tests use it, e.g. for a caller context).</param>
    public static async Task<HubApplication> CreateAsync(
        string[] args,
        Action<IConfigurationBuilder>? configure = null,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? services = null)
    {
        // appsettings.json is read from beside the binaries, whatever folder the hub is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder.Configuration);
        builder.AddObservability();

        EmbeddedPostgresCluster? embedded = null;
        string? embeddedDataPath = null;
        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            using var loggers = LoggerFactory.Create(l => l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true));
            var options = builder.Configuration.GetSection(EmbeddedPostgresOptions.SectionName).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();
            embeddedDataPath = options.ResolveDataPath();
            embedded = await EmbeddedPostgresCluster.StartAsync(options, loggers.CreateLogger<EmbeddedPostgresCluster>(), cancellationToken);
            connectionString = embedded.ConnectionString;
        }

        IAsyncDisposable? startupLock = null;
        try
        {
            // One instance of a database is built and started at a time (schemas, bootstrap key, job definitions),
            // until StartAsync has finished: see StartupLock.
            startupLock = await StartupLock.AcquireAsync(connectionString, cancellationToken);
            var endpoints = builder.Configuration.GetSection(HubEndpointsOptions.Section).Get<HubEndpointsOptions>() ?? new HubEndpointsOptions();
            ListenOptions? rest = null;
            ListenOptions? grpc = null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = endpoints.MaxRequestBodyBytes;
                rest = Listen(kestrel, endpoints.RestUrl, HttpProtocols.Http1, "Hub:RestUrl");
                grpc = Listen(kestrel, endpoints.GrpcUrl, HttpProtocols.Http2, "Hub:GrpcUrl");
            });

            builder.Services.AddOptions<HubEndpointsOptions>().Bind(builder.Configuration.GetSection(HubEndpointsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
            builder.Services.AddOptions<Application.ModelCalls.ChatRoutingOptions>().Bind(builder.Configuration.GetSection(Application.ModelCalls.ChatRoutingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
            builder.Services.AddOptions<Application.Routing.Fallbacks.FallbackOptions>()
                .Bind(builder.Configuration.GetSection(Application.Routing.Fallbacks.FallbackOptions.Section))
                .Validate(Application.Routing.Fallbacks.FallbackOptions.AreValid, Application.Routing.Fallbacks.FallbackOptions.ValidationMessage)
                .ValidateOnStart();
            builder.Services.AddApplication();
            builder.Services.AddInfrastructure(builder.Configuration, new HubDatabase(connectionString, embedded is not null, embeddedDataPath));
            builder.Services.AddPresentation();
            services?.Invoke(builder.Services);

            var app = builder.Build();
            app.UsePresentation();
            app.MapHubRoutes();

            // ConfigureKestrel runs while the host is built, so both endpoints exist by now.
            return new HubApplication(app, embedded, rest!, grpc!, startupLock);
        }
        catch
        {
            if (startupLock is not null)
            {
                await startupLock.DisposeAsync();
            }

            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _starting = true;
        try
        {
            await App.StartAsync(cancellationToken);
        }
        finally
        {
            await ReleaseStartupLockAsync();
        }

        _started = true;
        App.Services.GetRequiredService<RestRoot>().Bind(RestUri);
        LogListening(App.Logger, RestUri, GrpcUri, _embedded is null ? "configured PostgreSQL" : $"embedded PostgreSQL on port {_embedded.Port}");
    }

    /// <summary>Starts, then waits for Ctrl-C / SIGTERM and stops gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await App.WaitForShutdownAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await ReleaseStartupLockAsync();
        try
        {
            // A host whose start failed before its hosted services were resolved cannot be stopped (the generic host
            // throws on its missing service list): it is only disposed, so the start-up error stays the one reported.
            if (_starting)
            {
                try
                {
                    await App.StopAsync(CancellationToken.None);
                }
                catch (ArgumentNullException) when (!_started)
                {
                }
            }

            await App.DisposeAsync();
        }
        finally
        {
            if (_embedded is not null)
            {
                await _embedded.DisposeAsync();
            }
        }
    }

    private async Task ReleaseStartupLockAsync()
    {
        if (Interlocked.Exchange(ref _startupLock, null) is { } held)
        {
            await held.DisposeAsync();
        }
    }

    private static ListenOptions Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols, string key)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException($"{key} must be an absolute http:// URL such as http://127.0.0.1:8080 (got '{url}').");
        }

        ListenOptions? bound = null;
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            bound = listen;
        }

        if (uri.Host is "localhost")
        {
            kestrel.Listen(IPAddress.Loopback, uri.Port, Configure);
        }
        else if (uri.Host is "0.0.0.0" or "*" or "+")
        {
            kestrel.Listen(IPAddress.Any, uri.Port, Configure);
        }
        else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, uri.Port, Configure);
        }
        else
        {
            throw new InvalidOperationException($"{key} must name an IP address or localhost (got '{uri.Host}').");
        }

        return bound!;
    }

    private static Uri ToUri(ListenOptions listen)
    {
        var endpoint = listen.IPEndPoint ?? throw new InvalidOperationException("The hub listens on an IP endpoint.");
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : endpoint.Address.ToString();
        return new UriBuilder(Uri.UriSchemeHttp, host, endpoint.Port).Uri;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AIGNE Hub is up: REST on {RestUrl}, gRPC (h2c) on {GrpcUrl}, using {Database}")]
    private static partial void LogListening(ILogger logger, Uri restUrl, Uri grpcUrl, string database);
}
