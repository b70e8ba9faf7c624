using System.Reflection;

namespace AigneHub.ArchitectureTests;

public sealed class DomainReferencesTests
{
    /// <summary>Stronger than the namespace rule: the compiled domain assembly references only the runtime itself.</summary>
    [Fact]
    public void Domain_assembly_references_only_the_runtime()
    {
        Assert.Empty(NonRuntimeReferences(Layers.Hub.Domain));
    }

    [Fact]
    public void Reference_check_catches_an_assembly_that_uses_a_package()
    {
        Assert.Contains("Npgsql", NonRuntimeReferences(Layers.Broken.Domain));
    }

    private static IReadOnlyList<string> NonRuntimeReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? string.Empty)
            .Where(n => !(n.StartsWith("System", StringComparison.Ordinal) || n is "netstandard" or "mscorlib"))
            .ToArray();
}
