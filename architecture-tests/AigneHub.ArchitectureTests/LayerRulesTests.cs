namespace AigneHub.ArchitectureTests;

/// <summary>
/// Each rule runs twice: against the hub, where it must hold, and against the deliberately broken fixture assembly,
/// where it must fail and name the type that breaks it (proof that the rule can catch a violation at all).
/// </summary>
public sealed class LayerRulesTests
{
    public static TheoryData<string> Rules => new(RuleBook.Keys);

    [Theory]
    [MemberData(nameof(Rules))]
    public void Rule_holds_for_the_hub(string rule)
    {
        var outcome = RuleBook[rule].Check(Layers.Hub);
        Assert.True(outcome.IsSuccessful, $"{rule}: {outcome}");
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Rule_catches_the_broken_fixture(string rule)
    {
        var (check, expectedOffender) = RuleBook[rule];
        var outcome = check(Layers.Broken);
        Assert.False(outcome.IsSuccessful, $"{rule} did not catch the fixture's violation");
        Assert.Contains(outcome.Offenders, o => o.EndsWith(expectedOffender, StringComparison.Ordinal));
    }

    [Fact]
    public void Message_handler_and_validator_rules_see_the_hubs_use_cases()
    {
        // The rules above would pass vacuously if they found nothing to check.
        Assert.Contains(ArchitectureRules.HandlerTypes(Layers.Hub), t => t.Name == "CreateChatCompletionCommandHandler");
        Assert.Contains(ArchitectureRules.HandlerTypes(Layers.Hub), t => t.Name == "StreamChatCompletionCommandHandler");
        Assert.Contains(ArchitectureRules.ValidatorTypes(Layers.Hub), t => t.Name == "CreateChatCompletionCommandValidator");
        Assert.Contains(ArchitectureRules.MessageTypes(Layers.Hub), t => t.Name == "ListCallsQuery");
    }

    [Fact]
    public void Model_call_rule_sees_every_handler_that_reaches_a_provider_and_no_other()
    {
        // Vacuity and precision: the rule finds each inference handler, however it reaches its provider (a router, a
        // lambda), and no handler that only reads the provider list or probes a credential.
        var handlers = ArchitectureRules.ProviderCallingHandlers(Layers.Hub).Select(t => t.Name).Order().ToArray();
        Assert.Equal(
            ["CreateChatCompletionCommandHandler", "CreateEmbeddingsCommandHandler", "EditImagesCommandHandler", "GenerateImagesCommandHandler", "StreamChatCompletionCommandHandler"],
            handlers);
    }

    [Fact]
    public void Model_call_rule_lets_a_marked_call_type_be_in_the_broken_fixture()
    {
        Assert.Contains(ArchitectureRules.ProviderCallingHandlers(Layers.Broken), t => t.Name == "GenerateClipCommandHandler");
        Assert.DoesNotContain(ArchitectureRules.ProviderCallsAreModelCalls(Layers.Broken).Offenders, o => o.EndsWith("GenerateClipCommand", StringComparison.Ordinal));
    }

    private static readonly Dictionary<string, (Func<Layers, RuleOutcome> Check, string Offender)> RuleBook = new()
    {
        ["Domain depends on nothing"] = (ArchitectureRules.DomainDependsOnNothing, "Broken.Domain.LeakyEntity"),
        ["Application does not depend on Infrastructure or Api"] = (ArchitectureRules.ApplicationDoesNotDependOnOuterLayers, "Broken.Application.UsesInfrastructure"),
        ["Infrastructure does not depend on Api"] = (ArchitectureRules.InfrastructureDoesNotDependOnApi, "Broken.Infrastructure.Leaks.UsesApi"),
        ["Only the composition root uses Infrastructure"] = (ArchitectureRules.OnlyCompositionRootUsesInfrastructure, "Broken.Api.Controllers.ReachesIntoInfrastructure"),
        ["Handlers are internal and sealed"] = (ArchitectureRules.HandlersAreInternalAndSealed, "Broken.Application.MutableCommandHandler"),
        ["Validators are internal and sealed"] = (ArchitectureRules.ValidatorsAreInternalAndSealed, "Broken.Application.MutableCommandValidator"),
        ["Commands and queries are immutable"] = (ArchitectureRules.CommandsAndQueriesAreImmutable, "Broken.Application.MutableCommand"),
        ["Events are immutable"] = (ArchitectureRules.EventsAreImmutable, "Broken.Domain.Events.CreditsGranted"),
        ["Domain exceptions are domain rule exceptions"] = (ArchitectureRules.DomainExceptionsAreDomainRules, "Broken.Domain.QuotaRuleException"),
        ["Decisions take a command record"] = (ArchitectureRules.DecisionsTakeACommandRecord, "Broken.Domain.OrderDecisions"),
        ["A message whose handler reaches a provider is a model call"] = (ArchitectureRules.ProviderCallsAreModelCalls, "Broken.Application.Calls.GenerateVideoCommand"),
    };
}
