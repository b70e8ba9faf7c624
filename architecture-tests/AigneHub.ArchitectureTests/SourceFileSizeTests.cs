namespace AigneHub.ArchitectureTests;

/// <summary>
/// No source file of the hub grows past <see cref="MaxLines"/> lines (issue 19: a file a newcomer can read in one
/// sitting; a type that needs more is split by what its parts do, as partial files or types of their own). Checked on
/// the repository's <c>src/</c>, and on a file one line over the bound, where it must fail.
/// </summary>
public sealed class SourceFileSizeTests
{
    private const int MaxLines = 400;

    [Fact]
    public void No_source_file_under_src_is_over_the_bound()
    {
        var src = Path.Combine(RepositoryRoot(), "src");

        var files = SourceFiles(src).ToList();
        var over = FilesOver(files, MaxLines);

        Assert.True(files.Count > 100, $"found only {files.Count} source files under {src}");
        Assert.True(over.Count == 0, $"over {MaxLines} lines: {string.Join(", ", over.Select(f => Path.GetRelativePath(src, f.Path) + $" ({f.Lines})"))}");
    }

    [Fact]
    public void The_rule_catches_a_file_one_line_over_the_bound()
    {
        var folder = Directory.CreateTempSubdirectory("aignehub-size-rule-");
        try
        {
            var fits = Path.Combine(folder.FullName, "Fits.cs");
            var over = Path.Combine(folder.FullName, "Over.cs");
            File.WriteAllLines(fits, Enumerable.Repeat("// a line", MaxLines));
            File.WriteAllLines(over, Enumerable.Repeat("// a line", MaxLines + 1));

            var found = FilesOver(SourceFiles(folder.FullName), MaxLines);

            Assert.Equal([(over, MaxLines + 1)], found);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The C# files below <paramref name="root"/>, without the build's own output (bin, obj).</summary>
    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    private static List<(string Path, int Lines)> FilesOver(IEnumerable<string> files, int maxLines) =>
        files.Select(f => (Path: f, Lines: File.ReadLines(f).Count())).Where(f => f.Lines > maxLines).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AigneHub.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No AigneHub.sln above {AppContext.BaseDirectory}.");
    }
}
