using System.Buffers.Binary;
using System.IO.Hashing;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;
using AigneHub.Infrastructure.Providers.Demo;

namespace AigneHub.UnitTests.Providers.Media;

public sealed class DemoMediaProviderTests
{
    private readonly DemoMediaProvider _demo = new(new ManualClock(DateTimeOffset.UnixEpoch));

    [Fact]
    public async Task Demo_vectors_are_unit_length_and_the_same_for_the_same_text()
    {
        var (result, _) = await _demo.EmbedAsync(new ProviderEmbeddingRequest("embed", ["same", "other", "same"], 40, null), CancellationToken.None);

        Assert.Equal(40, result.Vectors[0].Length);
        Assert.Equal(1.0, Math.Sqrt(result.Vectors[0].Sum(v => (double)v * v)), 5);
        Assert.Equal(result.Vectors[0], result.Vectors[2]);
        Assert.NotEqual(result.Vectors[0], result.Vectors[1]);
        Assert.Equal("demo/embed", result.Model);
    }

    [Fact]
    public async Task Demo_images_are_valid_pngs_with_correct_chunk_checksums()
    {
        var (result, _) = await _demo.GenerateAsync(new ProviderImageRequest("image", "a blue square", 2, null, null, null, null), CancellationToken.None);

        Assert.Equal(2, result.Images.Count);
        var png = result.Images[0].Content!;
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var offset = 8;
        var chunks = new List<string>();
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var typeAndData = png.AsSpan(offset + 4, 4 + length);
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length)), Crc32.HashToUInt32(typeAndData));
            chunks.Add(System.Text.Encoding.ASCII.GetString(typeAndData[..4]));
            offset += 12 + length;
        }

        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks);
        Assert.Equal(DemoMediaProvider.ImageSide, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.NotEqual(result.Images[0].Content, result.Images[1].Content);
    }
}
