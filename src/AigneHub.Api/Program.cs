using AigneHub.Api.Hosting;

try
{
    await using var hub = await HubApplication.CreateAsync(args);
    await hub.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException or IOException or UnauthorizedAccessException)
{
    // Start-up failures (a busy port, bad configuration, an unusable data folder) are the operator's to fix: say what
    // is wrong in one message instead of a stack trace.
    Console.Error.WriteLine($"AIGNE Hub could not start: {ex.Message}");
    return 1;
}
