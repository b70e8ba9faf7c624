using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: AigneHub.Bench.Floor --upstream http://127.0.0.1:PORT/v1 [--port 0]
// Forwards POST /v1/chat/completions (any body, unparsed) to the upstream's /chat/completions and copies the status,
// content type and body back as they arrive (so a stream stays a stream). Nothing else: no authentication, no parsing,
// no records — the per-call work every gateway on this stack pays before doing anything of its own.
string? upstream = null;
var port = 0;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--upstream":
            upstream = args[i + 1].TrimEnd('/');
            break;
        case "--port" when int.TryParse(args[i + 1], out var p) && p is >= 0 and <= 65535:
            port = p;
            break;
        default:
            await Console.Error.WriteLineAsync($"unknown or bad argument {args[i]}");
            return 2;
    }
}

if (upstream is null || !Uri.TryCreate(upstream + "/chat/completions", UriKind.Absolute, out var target))
{
    await Console.Error.WriteLineAsync("usage: AigneHub.Bench.Floor --upstream http://127.0.0.1:PORT/v1 [--port 0]");
    return 2;
}

// The empty builder: Kestrel only, no logging providers, no configuration sources, no routing.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "AigneHub.Bench.Floor" });
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

using var client = new HttpClient(new SocketsHttpHandler
{
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    UseProxy = false,
})
{
    Timeout = TimeSpan.FromSeconds(120),
};

await using var app = builder.Build();
app.Run(async context =>
{
    if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/v1/chat/completions")
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }

    using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StreamContent(context.Request.Body) };
    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json");
    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
    context.Response.StatusCode = (int)response.StatusCode;
    context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
    await body.CopyToAsync(context.Response.Body, context.RequestAborted);
});
await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
Console.WriteLine($"floor proxy listening on http://127.0.0.1:{new Uri(address).Port}/v1 (forwarding to {upstream})");

// Ctrl-C or SIGTERM stops it.
await app.WaitForShutdownAsync();
return 0;
