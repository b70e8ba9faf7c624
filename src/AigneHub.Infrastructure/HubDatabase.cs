namespace AigneHub.Infrastructure;

/// <summary>The database the hub runs on, and whether it is the hub's own embedded cluster.</summary>
/// <param name="EmbeddedDataPath">The embedded cluster's data folder (where its local key ring lives); null otherwise.</param>
public sealed record HubDatabase(string ConnectionString, bool IsEmbedded, string? EmbeddedDataPath = null);
