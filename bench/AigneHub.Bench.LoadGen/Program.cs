using AigneHub.Bench.LoadGen;

LoadGenOptions options;
try
{
    options = LoadGenOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

var result = await new LoadRunner(options).RunAsync();
if (result.FirstError is not null)
{
    await Console.Error.WriteLineAsync($"loadgen: {result.Errors} of {result.Requests} measured requests failed; first error: {result.FirstError}");
}

Console.WriteLine(result.ToJsonLine());
return 0;
