namespace AigneHub.Application.Images.Queries.GetStoredImage;

internal sealed class GetStoredImageQueryHandler(IImageStore store) : IQueryHandler<GetStoredImageQuery, StoredImage>
{
    public async ValueTask<StoredImage> Handle(GetStoredImageQuery query, CancellationToken cancellationToken) =>
        await store.FindAsync(query.Id, cancellationToken)
        ?? throw new ResourceNotFoundException("id", "The image does not exist or its link has expired.");
}
