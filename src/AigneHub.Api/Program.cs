using AigneHub.Api.Hosting;

await using var hub = await HubApplication.CreateAsync(args);
await hub.RunAsync();
