namespace AigneHub.Application.Images.Commands.DeleteExpiredImages;

/// <summary>Delete the stored images whose links have expired; answers how many went.</summary>
public sealed record DeleteExpiredImagesCommand : ICommand<int>;
