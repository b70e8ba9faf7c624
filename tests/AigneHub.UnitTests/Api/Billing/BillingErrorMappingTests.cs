using AigneHub.Api.Errors;
using AigneHub.Application.Errors;
using Grpc.Core;

namespace AigneHub.UnitTests.Api.Billing;

public sealed class BillingErrorMappingTests
{
    [Fact]
    public void Not_enough_credit_is_402_insufficient_quota_with_the_payment_link_and_resource_exhausted_on_grpc()
    {
        var error = HubErrorMapper.Map(new InsufficientCreditsException("Not enough credits: needs 5, 1 available.", "https://pay.example/buy"), "req");

        Assert.Equal((402, StatusCode.ResourceExhausted, "insufficient_quota", "insufficient_quota"), (error.HttpStatus, error.GrpcStatus, error.Type, error.Code));
        Assert.Equal(("NOT_ENOUGH", "https://pay.example/buy"), (error.AigneType, error.Link));
        Assert.Equal("Not enough credits: needs 5, 1 available. Buy credits at https://pay.example/buy", error.Message);
    }

    [Fact]
    public void Not_enough_credit_without_a_payment_link_keeps_the_plain_message()
    {
        var error = HubErrorMapper.Map(new InsufficientCreditsException("Not enough credits.", null), "req");

        Assert.Equal(("Not enough credits.", (string?)null), (error.Message, error.Link));
    }

    [Fact]
    public void A_missing_caller_is_401_unauthenticated()
    {
        var error = HubErrorMapper.Map(new UnauthenticatedException("Sign in."), "req");

        Assert.Equal((401, StatusCode.Unauthenticated, "authentication_error"), (error.HttpStatus, error.GrpcStatus, error.Type));
    }
}
