using System.Text.RegularExpressions;

namespace AigneHub.FunctionalTests.Docs;

/// <summary>The shell examples in the docs run as written: no variable a shell cannot name (issue 21: `export Secrets__Keys__key-2026-11=…`).</summary>
public sealed partial class ShellExampleTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md")
                     .Append(Path.Combine(RepositoryPaths.Root, "README.md"))
                     .Append(Path.Combine(RepositoryPaths.Root, "docker", "README.md")))
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Shell_examples_assign_only_variables_a_shell_can_name(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));
        var blocks = ShellBlock().Matches(text).Select(m => m.Groups[1].Value);

        var invalid = blocks
            .SelectMany(b => b.Split('\n'))
            .Where(line => InvalidExport().IsMatch(line) || InvalidLeadingAssignment().IsMatch(line))
            .ToList();

        Assert.True(invalid.Count == 0, $"{document}: {string.Join(" | ", invalid)}");
    }

    [GeneratedRegex(@"```(?:sh|bash|shell)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    /// <summary>`export NAME=…` where NAME holds a character other than letters, digits and '_'.</summary>
    [GeneratedRegex(@"\bexport\s+[A-Za-z_][A-Za-z0-9_]*[^A-Za-z0-9_=\s'""][^=\s]*=")]
    private static partial Regex InvalidExport();

    /// <summary>A command line starting with `NAME=value` where NAME is not a valid shell name (not inside quotes).</summary>
    [GeneratedRegex(@"^\s*[A-Za-z_][A-Za-z0-9_]*[-.][A-Za-z0-9_.-]*=")]
    private static partial Regex InvalidLeadingAssignment();
}
