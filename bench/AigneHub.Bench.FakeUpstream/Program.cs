using System.Net;
using AigneHub.Bench.FakeUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

FakeUpstreamOptions options;
try
{
    options = FakeUpstreamOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

// The empty builder: Kestrel only, no logging providers, no configuration sources, no routing.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "AigneHub.Bench.FakeUpstream" });
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
    kestrel.Listen(IPAddress.Loopback, options.Port);
});
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

await using var app = builder.Build();
var handler = new ChatCompletionsHandler(options);
app.Run(handler.HandleAsync);
await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
var port = new Uri(address).Port;
Console.WriteLine(
    $"fake OpenAI upstream listening on http://127.0.0.1:{port}/v1 (latency {options.LatencyMs} ms, {options.StreamChunks} content chunks, {options.ChunkDelayMs} ms between chunks)");

// Ctrl-C or SIGTERM stops it.
await app.WaitForShutdownAsync();
return 0;
