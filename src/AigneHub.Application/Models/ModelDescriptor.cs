namespace AigneHub.Application.Models;

/// <summary>A model a client can call, as the models list shows it.</summary>
/// <param name="Id">The hub's name: "provider/model".</param>
/// <param name="OwnedBy">The provider that serves it.</param>
/// <param name="Created">When the hub learned of it (the provider's registration, or the hub's start for configured ones).</param>
public sealed record ModelDescriptor(string Id, string OwnedBy, DateTimeOffset Created, ModelKind Kind);

public enum ModelKind
{
    Chat,
    Embedding,
    Image,
}
