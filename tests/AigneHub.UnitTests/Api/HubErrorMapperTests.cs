using AigneHub.Api.Errors;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using Grpc.Core;

namespace AigneHub.UnitTests.Api;

public sealed class HubErrorMapperTests
{
    [Theory]
    [InlineData(ErrorKind.UpstreamAuth, 502, StatusCode.Unavailable, "provider_credential_refused")]
    [InlineData(ErrorKind.UpstreamRateLimited, 429, StatusCode.ResourceExhausted, "rate_limit_exceeded")]
    [InlineData(ErrorKind.UpstreamUnavailable, 502, StatusCode.Unavailable, "provider_unavailable")]
    [InlineData(ErrorKind.UpstreamTimeout, 504, StatusCode.DeadlineExceeded, "provider_timeout")]
    [InlineData(ErrorKind.UpstreamRejected, 400, StatusCode.InvalidArgument, "provider_rejected_request")]
    public void Upstream_failures_map_to_gateway_statuses(ErrorKind kind, int http, StatusCode grpc, string code)
    {
        var error = HubErrorMapper.Map(new UpstreamException(kind, "openai", "msg", retryAfter: TimeSpan.FromSeconds(2)), "req");

        Assert.Equal((http, grpc, code), (error.HttpStatus, error.GrpcStatus, error.Code));
    }

    [Fact]
    public void Validation_failure_names_the_first_param_and_keeps_every_violation()
    {
        var error = HubErrorMapper.Map(new RequestValidationException([new("top_p", "too big"), new("n", "must be 1")]), "req");

        Assert.Equal((400, StatusCode.InvalidArgument, "top_p", "too big"), (error.HttpStatus, error.GrpcStatus, error.Param, error.Message));
        Assert.Equal(2, error.Violations!.Count);
    }

    [Fact]
    public void Unexpected_exception_shows_only_a_generic_message_with_the_request_id()
    {
        var error = HubErrorMapper.Map(new NullReferenceException("Object reference at SecretService.cs:42"), "req-77");

        Assert.Equal(500, error.HttpStatus);
        Assert.Equal("The hub failed to process the request (request id req-77).", error.Message);
    }

    public static TheoryData<string, Exception> SaturatedDatabase => new()
    {
        // Npgsql's own words when a pool stays exhausted for its Timeout (the caller waited in the process).
        { "pool exhausted", new Npgsql.NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 23) or 'Timeout' (currently 15 seconds) in your connection string.", new TimeoutException()) },
        // PostgreSQL refusing a new session at max_connections, as issue 21 saw it behind three instances.
        { "too many clients", new Npgsql.PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300") },
        // The same, wrapped the way Marten reports a failed command.
        { "wrapped by Marten", new Marten.Exceptions.MartenCommandException(new Npgsql.NpgsqlCommand("select 1"), new Npgsql.PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300")) },
    };

    [Theory]
    [MemberData(nameof(SaturatedDatabase))]
    public void A_saturated_database_is_503_hub_busy_with_retry_after_never_500(string because, Exception exception)
    {
        var error = HubErrorMapper.Map(exception, "req");

        Assert.True(error.HttpStatus == 503, because);
        Assert.Equal((StatusCode.Unavailable, "hub_busy"), (error.GrpcStatus, error.Code));
        Assert.NotNull(error.RetryAfter);
        Assert.DoesNotContain("Max Pool Size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_error_that_is_not_about_capacity_stays_a_generic_500()
    {
        var error = HubErrorMapper.Map(new Npgsql.PostgresException("column \"x\" does not exist", "ERROR", "ERROR", "42703"), "req");

        Assert.Equal(500, error.HttpStatus);
    }
}
