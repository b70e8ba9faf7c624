using AigneHub.Api.Errors;
using AigneHub.Application.Errors;
using AigneHub.Domain;
using AigneHub.Domain.Access;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Providers;
using Grpc.Core;

namespace AigneHub.UnitTests.Application.Errors;

/// <summary>Every area's broken rule reaches REST and gRPC callers through one translation, as it always did.</summary>
public sealed class DomainRulesTests
{
    public static TheoryData<DomainRuleException, int, StatusCode, string?> Rules() => new()
    {
        { new AccessRuleException("scopes", "too wide"), 400, StatusCode.InvalidArgument, "scopes" },
        { new AccessRuleException("key_id", "already revoked", isConflict: true), 409, StatusCode.Aborted, null },
        { new AccessRuleException("role", "only an owner", isForbidden: true), 403, StatusCode.PermissionDenied, "role" },
        { new ProviderRuleException("weight", "out of range"), 400, StatusCode.InvalidArgument, "weight" },
        { new ProviderRuleException("provider", "already registered", isConflict: true), 409, StatusCode.Aborted, null },
        { new CreditRuleException(CreditRule.InvalidAmount, "amount", "negative"), 400, StatusCode.InvalidArgument, "amount" },
        { new CreditRuleException(CreditRule.InvalidValue, "input_rate", "too big"), 400, StatusCode.InvalidArgument, "input_rate" },
        { new CreditRuleException(CreditRule.UnknownHold, "call_id", "no hold"), 404, StatusCode.NotFound, "call_id" },
        { new CreditRuleException(CreditRule.AlreadySettled, "call_id", "settled"), 409, StatusCode.Aborted, null },
        { new CreditRuleException(CreditRule.DuplicateHold, "call_id", "twice"), 409, StatusCode.Aborted, null },
        { new CreditRuleException(CreditRule.ReferenceReused, "idempotency_key", "reused"), 409, StatusCode.Aborted, null },
        { new CreditRuleException(CreditRule.InsufficientCredits, "amount", "Not enough credits."), 402, StatusCode.ResourceExhausted, null },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_broken_rule_reaches_the_caller_with_the_status_and_field_of_its_breach(DomainRuleException rule, int http, StatusCode grpc, string? param)
    {
        var refused = Assert.IsAssignableFrom<HubException>(Record.Exception(() => DomainRules.Run<int>(() => throw rule)));
        var error = HubErrorMapper.Map(refused, "req");

        Assert.Equal((http, grpc, param, rule.Message), (error.HttpStatus, error.GrpcStatus, error.Param, error.Message));
    }

    [Fact]
    public void Credits_a_rule_finds_short_point_to_where_they_can_be_bought()
    {
        var refused = Record.Exception(() => DomainRules.Run<int>(
            () => throw new CreditRuleException(CreditRule.InsufficientCredits, "amount", "Not enough credits."), "https://pay.example/buy"));

        var error = HubErrorMapper.Map(refused, "req");

        Assert.Equal((402, "NOT_ENOUGH", "https://pay.example/buy"), (error.HttpStatus, error.AigneType, error.Link));
    }

    [Fact]
    public void Every_kind_of_breach_is_a_refusal_the_caller_can_act_on_never_a_fault()
    {
        foreach (var breach in Enum.GetValues<RuleBreach>())
        {
            var error = HubErrorMapper.Map(DomainRules.Translate(new AnyRule(breach)), "req");

            Assert.InRange(error.HttpStatus, 400, 499);
        }
    }

    [Fact]
    public void A_decision_that_breaks_no_rule_is_answered_as_it_decided()
    {
        Assert.Equal(42, DomainRules.Run(() => 42));
    }

    private sealed class AnyRule(RuleBreach breach) : DomainRuleException(breach, "field", "broken");
}
