using System.Reflection;
using System.Runtime.CompilerServices;
using NetArchTest.Rules;

namespace AigneHub.ArchitectureTests;

/// <summary>
/// The rules, each a function of the layers it checks, so every test can run a rule against the hub (must pass) and
/// against the broken fixture (must fail). Each result names the offending types.
/// </summary>
public static class ArchitectureRules
{
    private static readonly string[] Frameworks =
    [
        "Microsoft.", "Marten", "JasperFx", "Weasel", "Npgsql", "Grpc", "Google.", "Mediator", "FluentValidation", "Hangfire", "Mapster",
        "System.Text.Json", "Newtonsoft",
    ];

    /// <summary>The domain uses nothing but the BCL: no project of the solution, no framework package.</summary>
    public static RuleOutcome DomainDependsOnNothing(Layers layers)
    {
        var forbidden = Frameworks.Concat([layers.ApplicationNamespace, layers.InfrastructureNamespace, layers.ApiNamespace]).ToArray();
        return Check(Types.InAssembly(layers.Domain).That().ResideInNamespace(layers.DomainNamespace)
            .ShouldNot().HaveDependencyOnAny(forbidden).GetResult());
    }

    public static RuleOutcome ApplicationDoesNotDependOnOuterLayers(Layers layers) =>
        Check(Types.InAssembly(layers.Application).That().ResideInNamespace(layers.ApplicationNamespace)
            .ShouldNot().HaveDependencyOnAny(layers.InfrastructureNamespace, layers.ApiNamespace).GetResult());

    public static RuleOutcome InfrastructureDoesNotDependOnApi(Layers layers) =>
        Check(Types.InAssembly(layers.Infrastructure).That().ResideInNamespace(layers.InfrastructureNamespace)
            .ShouldNot().HaveDependencyOn(layers.ApiNamespace).GetResult());

    /// <summary>In the presentation layer only the composition root may touch Infrastructure.</summary>
    public static RuleOutcome OnlyCompositionRootUsesInfrastructure(Layers layers) =>
        Check(Types.InAssembly(layers.Api).That().ResideInNamespace(layers.ApiNamespace)
            .And().DoNotResideInNamespace(layers.CompositionRootNamespace)
            .And().DoNotHaveName("Program")
            .ShouldNot().HaveDependencyOn(layers.InfrastructureNamespace).GetResult());

    public static RuleOutcome HandlersAreInternalAndSealed(Layers layers) =>
        Offenders(HandlerTypes(layers), t => t.IsPublic || t.IsNestedPublic || !t.IsSealed || !t.Name.EndsWith("Handler", StringComparison.Ordinal));

    public static RuleOutcome ValidatorsAreInternalAndSealed(Layers layers) =>
        Offenders(ValidatorTypes(layers), t => t.IsPublic || t.IsNestedPublic || !t.IsSealed || !t.Name.EndsWith("Validator", StringComparison.Ordinal));

    public static RuleOutcome CommandsAndQueriesAreImmutable(Layers layers) =>
        Offenders(MessageTypes(layers), t => !IsImmutable(t));

    public static RuleOutcome EventsAreImmutable(Layers layers) =>
        Offenders(
            ConcreteTypes(layers.Domain).Where(t => t.Namespace is { } ns && ns.StartsWith(layers.DomainNamespace, StringComparison.Ordinal) && ns.EndsWith(".Events", StringComparison.Ordinal)),
            t => !IsImmutable(t));

    /// <summary>
    /// A broken domain rule is one kind of exception, whatever the area, so the hub maps it to what callers see in one
    /// place: every exception the domain declares derives from <c>DomainRuleException</c>.
    /// </summary>
    public static RuleOutcome DomainExceptionsAreDomainRules(Layers layers) =>
        Offenders(
            ConcreteTypes(layers.Domain).Where(t => InDomain(layers, t) && typeof(Exception).IsAssignableFrom(t)),
            t => !BaseTypes(t).Any(b => b.Name == "DomainRuleException"));

    /// <summary>A decision takes the state and a command record, not a long list of positional values.</summary>
    public static RuleOutcome DecisionsTakeACommandRecord(Layers layers) =>
        Offenders(
            layers.Domain.GetTypes().Where(t => InDomain(layers, t) && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Decisions", StringComparison.Ordinal)),
            t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Any(m => m.GetParameters().Length > MaxDecisionParameters));

    /// <summary>State, command, who and when, and room for two more (an owner, a count) before a record is due.</summary>
    private const int MaxDecisionParameters = 6;

    private static bool InDomain(Layers layers, Type type) =>
        type.Namespace is { } ns && ns.StartsWith(layers.DomainNamespace, StringComparison.Ordinal);

    /// <summary>
    /// Every message whose handler reaches a provider is a model call: it carries the marker that puts it through the
    /// one access policy (scope, model allow-list, rate limits). A handler reaches a provider when it, or a closure or
    /// state machine it compiles into, uses a provider port or an Application class that (transitively) does.
    /// </summary>
    public static RuleOutcome ProviderCallsAreModelCalls(Layers layers) =>
        Offenders(
            ProviderCallingHandlers(layers).Select(MessageOf).Distinct(),
            message => !message.GetInterfaces().Any(i => i.FullName == layers.ModelCallMarker));

    /// <summary>The handlers that reach a provider (see <see cref="ProviderCallsAreModelCalls"/>).</summary>
    public static IReadOnlyList<Type> ProviderCallingHandlers(Layers layers)
    {
        var handlers = HandlerTypes(layers).ToHashSet();
        var reaching = new HashSet<string>(layers.ProviderPorts, StringComparer.Ordinal);
        var found = new HashSet<Type>();
        while (true)
        {
            // NetArchTest reports a nested type (a lambda's closure, an async state machine) under its own name.
            var users = Types.InAssembly(layers.Application).That().ResideInNamespace(layers.ApplicationNamespace)
                .And().HaveDependencyOnAny([.. reaching]).GetTypes()
                .Select(OutermostType)
                .Where(t => !t.IsInterface)
                .ToList();
            var grown = false;
            foreach (var user in users)
            {
                grown |= found.Add(user) && !handlers.Contains(user) && reaching.Add(user.FullName!);
            }

            if (!grown)
            {
                return found.Where(handlers.Contains).ToArray();
            }
        }
    }

    /// <summary>Finds the types a rule is about, so a test can prove the rule is not vacuous.</summary>
    public static IReadOnlyList<Type> HandlerTypes(Layers layers) =>
        ConcreteTypes(layers.Application).Where(t => t.GetInterfaces().Any(IsMediatorHandler)).ToArray();

    public static IReadOnlyList<Type> ValidatorTypes(Layers layers) =>
        ConcreteTypes(layers.Application).Where(t => BaseTypes(t).Any(b => b.IsGenericType && b.Name == "AbstractValidator`1")).ToArray();

    public static IReadOnlyList<Type> MessageTypes(Layers layers) =>
        ConcreteTypes(layers.Application)
            .Where(t => t.GetInterfaces().Any(i => i.FullName is "Mediator.IMessage" or "Mediator.IStreamMessage"))
            .ToArray();

    /// <summary>The request a handler handles: the first type argument of its Mediator handler interface.</summary>
    private static Type MessageOf(Type handler) =>
        handler.GetInterfaces().First(IsMediatorHandler).GetGenericArguments()[0];

    private static Type OutermostType(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static bool IsMediatorHandler(Type type) =>
        type.IsGenericType && type.Namespace == "Mediator" && type.Name.Contains("Handler", StringComparison.Ordinal)
        && !type.Name.StartsWith("INotification", StringComparison.Ordinal);

    /// <summary>No settable state: fields are readonly, properties have no setter or an init-only one.</summary>
    private static bool IsImmutable(Type type)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var t in BaseTypes(type).Prepend(type).Where(t => t != typeof(object)))
        {
            if (t.GetFields(all).Any(f => !f.IsInitOnly && !f.IsDefined(typeof(CompilerGeneratedAttribute))))
            {
                return false;
            }

            if (t.GetProperties(all).Any(p => p.SetMethod is { } setter && !IsInitOnly(setter)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static IEnumerable<Type> ConcreteTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && !t.IsDefined(typeof(CompilerGeneratedAttribute)));

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            yield return b;
        }
    }

    private static RuleOutcome Check(TestResult result) =>
        new(result.IsSuccessful, result.FailingTypeNames?.ToArray() ?? []);

    private static RuleOutcome Offenders(IEnumerable<Type> types, Func<Type, bool> breaks)
    {
        var offenders = types.Where(breaks).Select(t => t.FullName ?? t.Name).ToArray();
        return new RuleOutcome(offenders.Length == 0, offenders);
    }
}

public sealed record RuleOutcome(bool IsSuccessful, IReadOnlyList<string> Offenders)
{
    public override string ToString() => IsSuccessful ? "rule holds" : "broken by: " + string.Join(", ", Offenders);
}
