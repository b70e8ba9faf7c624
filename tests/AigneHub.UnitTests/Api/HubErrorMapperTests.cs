using AigneHub.Api.Errors;
using AigneHub.Application.Common.Errors;
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
}
