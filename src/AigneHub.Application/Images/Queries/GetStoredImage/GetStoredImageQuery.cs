namespace AigneHub.Application.Images.Queries.GetStoredImage;

/// <summary>A generated image the hub keeps for a URL it handed out.</summary>
public sealed record GetStoredImageQuery(Guid Id) : IQuery<StoredImage>;
