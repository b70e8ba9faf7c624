using System.Text.RegularExpressions;
using AigneHub.FunctionalTests.Clients;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Docs;

/// <summary>
/// The C# gRPC client that docs/api.md shows is docs/examples/GrpcClient: the page shows exactly its code, and the
/// program, with a client generated from proto/ like any outside service's, runs against a live hub.
/// </summary>
[Collection(HubCollection.Name)]
public sealed partial class GrpcClientExampleTests(HubFixture hub)
{
    private static readonly string ExampleFolder = Path.Combine(RepositoryPaths.Root, "docs", "examples", "GrpcClient");

    [Fact]
    public void The_api_page_shows_the_example_program_code_line_for_line()
    {
        var program = File.ReadAllText(Path.Combine(ExampleFolder, "Program.cs"));
        var page = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "api.md"));
        var section = page[page.IndexOf("### C# (Grpc.Net.Client)", StringComparison.Ordinal)..];
        var shown = CSharpBlock().Matches(section).Select(m => Normalise(m.Groups["code"].Value)).Take(2).ToArray();

        Assert.Equal(Normalise(Region(program, "chat")), shown[0]);
        Assert.Equal(Normalise(Region(program, "validation")), shown[1]);
    }

    [Fact]
    public async Task The_example_program_chats_streams_and_reads_a_validation_failure_against_a_live_hub()
    {
        var program = Path.Combine(ExampleFolder, "bin", RepositoryPaths.Configuration, "net10.0", "AigneHub.Examples.GrpcClient.dll");
        Assert.True(File.Exists(program), $"{program} is not built (the functional tests' project builds it).");

        var run = await ChildProcess.RunAsync("dotnet", [program], ExampleFolder, TimeSpan.FromMinutes(1), new Dictionary<string, string>
        {
            ["HUB_GRPC_URL"] = hub.GrpcUri.ToString(),
            ["HUB_KEY"] = TestAccess.OwnerKey,
        });

        Assert.True(run.ExitCode == 0, run.Output);
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("demo/echo: Hello over gRPC (6 tokens)", lines[0]);
        Assert.Equal("Hello over gRPC", lines[1]);
        Assert.StartsWith("temperature: ", lines[2], StringComparison.Ordinal);
    }

    private static string Region(string program, string name)
    {
        var start = program.IndexOf($"// <{name}>", StringComparison.Ordinal);
        var end = program.IndexOf($"// </{name}>", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"Program.cs has no region '{name}'.");
        return program[(start + name.Length + 5)..end];
    }

    private static string Normalise(string code) => string.Join('\n', code.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0));

    [GeneratedRegex("```csharp\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
