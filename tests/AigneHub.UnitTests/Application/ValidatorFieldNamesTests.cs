using System.Text.RegularExpressions;
using FluentValidation;

namespace AigneHub.UnitTests.Application;

/// <summary>
/// A validation failure names its field as clients write it: the REST param, the gRPC BadRequest field violation and
/// the AIGNE param all come from the rule's property name, so a rule left with the C# name ("DisplayName") would
/// tell a client about a field it never sent.
/// </summary>
public sealed partial class ValidatorFieldNamesTests
{
    [GeneratedRegex("^[a-z][a-z0-9_]*(\\[\\d*\\])?(\\.[a-z][a-z0-9_]*(\\[\\d*\\])?)*$")]
    private static partial Regex WireName();

    public static TheoryData<Type> Validators()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(AigneHub.Application.DependencyInjection).Assembly.GetTypes()
                     .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && typeof(IValidator).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Validators))]
    public void Every_rule_names_its_field_as_it_is_on_the_wire(Type validatorType)
    {
        var validator = (IValidator)Activator.CreateInstance(validatorType)!;

        var names = validator.CreateDescriptor().GetMembersWithValidators().Select(m => m.Key).Where(k => !string.IsNullOrEmpty(k) && k != "Actor");

        Assert.All(names, name => Assert.Matches(WireName(), name));
    }

    [Fact]
    public void The_scan_finds_the_validators()
    {
        var found = Validators().Count;
        Assert.True(found >= 40, $"only {found} validators were found");
    }

    [Fact]
    public void A_call_filter_failure_is_named_by_its_query_parameter_not_nested_under_the_filter()
    {
        var filter = new AigneHub.Application.Usage.CallFilter(MinLatencyMs: -5);

        var listed = new AigneHub.Application.Usage.Queries.ListCalls.ListCallsQueryValidator().Validate(new AigneHub.Application.Usage.Queries.ListCalls.ListCallsQuery(filter, 10));
        var exported = new AigneHub.Application.Usage.Queries.ExportCalls.ExportCallsQueryValidator().Validate(new AigneHub.Application.Usage.Queries.ExportCalls.ExportCallsQuery(filter));

        Assert.Equal("min_latency_ms", Assert.Single(listed.Errors).PropertyName);
        Assert.Equal("min_latency_ms", Assert.Single(exported.Errors).PropertyName);
    }
}
