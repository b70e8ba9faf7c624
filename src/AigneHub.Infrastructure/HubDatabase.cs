namespace AigneHub.Infrastructure;

/// <summary>The database the hub runs on, and whether it is the hub's own embedded cluster.</summary>
public sealed record HubDatabase(string ConnectionString, bool IsEmbedded);
