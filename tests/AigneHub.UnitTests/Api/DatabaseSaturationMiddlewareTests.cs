using System.Text.Json;
using AigneHub.Api.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Api;

/// <summary>
/// A full database met on a route that does not answer errors itself (authentication's key lookup, admin reads) is a
/// 503 with Retry-After in the surface's own shape, not the 500 issue 21 saw ("too many clients").
/// </summary>
public sealed class DatabaseSaturationMiddlewareTests
{
    private static readonly Npgsql.PostgresException TooManyClients = new("sorry, too many clients already", "FATAL", "FATAL", "53300");

    [Theory]
    [InlineData("/v1/chat/completions", "application/json")]
    [InlineData("/api/v2/chat", "application/json")]
    [InlineData("/api/admin/credits/alice", "application/json")]
    public async Task Too_many_clients_is_503_hub_busy_with_retry_after_on_every_rest_surface(string path, string contentType)
    {
        var context = await RunAsync(path, contentType, TooManyClients);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.False(string.IsNullOrEmpty(context.Response.Headers.RetryAfter.ToString()));
        Assert.Contains("at its connection limit", await BodyAsync(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_clients_is_grpc_unavailable_on_a_native_grpc_call()
    {
        var context = await RunAsync("/aignehub.v1.Inference/CreateChatCompletion", "application/grpc", TooManyClients);

        Assert.Equal("14", context.Response.Headers["grpc-status"].ToString());
    }

    [Fact]
    public async Task Any_other_failure_passes_through_untouched()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync("/v1/models", "application/json", new InvalidOperationException("bug")));
    }

    private static async Task<DefaultHttpContext> RunAsync(string path, string contentType, Exception failure)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        var middleware = new DatabaseSaturationMiddleware(_ => throw failure, NullLogger<DatabaseSaturationMiddleware>.Instance);
        await middleware.InvokeAsync(context);
        return context;
    }

    private static async Task<string> BodyAsync(DefaultHttpContext context)
    {
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        using var _ = JsonDocument.Parse(body);
        return body;
    }
}
