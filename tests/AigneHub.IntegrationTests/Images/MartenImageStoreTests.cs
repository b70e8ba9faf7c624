using AigneHub.Infrastructure.Images;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Images;

/// <summary>Generated images kept for their links, on a real PostgreSQL: served until they expire, then deleted.</summary>
public sealed class MartenImageStoreTests : IAsyncLifetime
{
    private readonly SettableClock _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private DocumentStore _store = null!;
    private MartenImageStore _images = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync("images");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        _images = new MartenImageStore(_store, _time, Options.Create(new ImageStorageOptions { UrlLifetimeMinutes = 30 }));
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_stored_image_is_read_back_byte_for_byte_until_it_expires()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 255];

        var reference = await _images.SaveAsync(png, "image/png", CancellationToken.None);
        var found = await _images.FindAsync(reference.Id, CancellationToken.None);
        _time.Now = _time.Now.AddMinutes(30);
        var expired = await _images.FindAsync(reference.Id, CancellationToken.None);

        Assert.Equal(_time.Now, reference.ExpiresAt);
        Assert.NotNull(found);
        Assert.Equal(png, found.Content);
        Assert.Equal("image/png", found.MediaType);
        Assert.Null(expired);
    }

    [Fact]
    public async Task The_clean_up_deletes_only_expired_images()
    {
        var old = await _images.SaveAsync([1], "image/png", CancellationToken.None);
        _time.Now = _time.Now.AddMinutes(20);
        var fresh = await _images.SaveAsync([2], "image/jpeg", CancellationToken.None);
        _time.Now = _time.Now.AddMinutes(15);

        var deleted = await _images.DeleteExpiredAsync(_time.Now, CancellationToken.None);

        Assert.Equal(1, deleted);
        await using var session = _store.QuerySession();
        Assert.Null(await session.LoadAsync<StoredImageDocument>(old.Id));
        Assert.NotNull(await session.LoadAsync<StoredImageDocument>(fresh.Id));
        Assert.Equal(0, await _images.DeleteExpiredAsync(_time.Now, CancellationToken.None));
    }

    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
