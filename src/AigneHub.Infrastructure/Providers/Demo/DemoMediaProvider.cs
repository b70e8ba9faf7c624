using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;

namespace AigneHub.Infrastructure.Providers.Demo;

/// <summary>
/// The demo provider's embeddings and images, so a fresh install answers every call type without an account. Neither
/// is a model: <c>demo/embed</c> derives a unit vector from the text's SHA-256 (the same text always gives the same
/// vector; 16 dimensions unless asked otherwise), and <c>demo/image</c> draws a small square PNG in one colour taken
/// from the prompt's hash; an edit with <c>demo/image</c> draws the same squares from the edit's prompt (the demo does
/// not look at the input images), so every image route can be tried without an account. Tokens are counted as the
/// demo chat counts them, one per word.
/// </summary>
internal sealed class DemoMediaProvider(TimeProvider time) : IEmbeddingProvider, IImageProvider, IImageEditor
{
    public const string EmbeddingModel = "embed";
    public const string ImageModel = "image";
    public const int DefaultDimensions = 16;
    public const int ImageSide = 64;

    public string Name => ProviderNames.Demo;

    public bool ServesEmbeddings(string model) => model == EmbeddingModel;

    public bool ServesImages(string model) => model == ImageModel;

    public Task<Served<EmbeddingResult>> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken)
    {
        if (request.Model != EmbeddingModel)
        {
            throw NotServed(request.Model);
        }

        var vectors = request.Inputs.Select(input => Vector(input, request.Dimensions ?? DefaultDimensions)).ToArray();
        var tokens = request.Inputs.Sum(DemoChatProvider.CountWords);
        return Task.FromResult(new Served<EmbeddingResult>(new EmbeddingResult($"{Name}/{EmbeddingModel}", vectors, new TokenUsage(tokens, 0)), null));
    }

    public Task<Served<ImageGenerationResult>> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken)
    {
        if (request.Model != ImageModel)
        {
            throw NotServed(request.Model);
        }

        var images = Enumerable.Range(0, request.N)
            .Select(i => new GeneratedImage(Png(request.Prompt, i), "image/png", null, null))
            .ToArray();
        return Task.FromResult(new Served<ImageGenerationResult>(
            new ImageGenerationResult($"{Name}/{ImageModel}", time.GetUtcNow(), images, new TokenUsage(DemoChatProvider.CountWords(request.Prompt), 0)), null));
    }

    public bool CanEdit(string model) => model == ImageModel;

    public Task<Served<ImageGenerationResult>> EditAsync(ProviderImageEditRequest request, CancellationToken cancellationToken) =>
        GenerateAsync(new ProviderImageRequest(request.Model, request.Prompt, request.N, request.Size, request.Quality, null, request.User), cancellationToken);

    /// <summary>A deterministic unit vector: SHA-256 of the text and a block counter, read as signed bytes.</summary>
    internal static float[] Vector(string text, int dimensions)
    {
        var vector = new float[dimensions];
        var seed = Encoding.UTF8.GetBytes(text);
        Span<byte> block = stackalloc byte[32];
        for (var i = 0; i < dimensions; i++)
        {
            if (i % 32 == 0)
            {
                SHA256.HashData([.. seed, .. BitConverter.GetBytes(i / 32)], block);
            }

            vector[i] = (sbyte)block[i % 32] / 128f;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm == 0 ? vector : vector.Select(v => v / norm).ToArray();
    }

    /// <summary>A <see cref="ImageSide"/>-pixel square RGB PNG in one colour from the prompt (and the image's index).</summary>
    internal static byte[] Png(string prompt, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{index}:{prompt}"));
        var rows = new MemoryStream();
        using (var zlib = new ZLibStream(rows, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + (ImageSide * 3)];
            for (var x = 0; x < ImageSide; x++)
            {
                row[1 + (x * 3)] = hash[0];
                row[2 + (x * 3)] = hash[1];
                row[3 + (x * 3)] = hash[2];
            }

            for (var y = 0; y < ImageSide; y++)
            {
                zlib.Write(row);
            }
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, ImageSide);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), ImageSide);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, rows.ToArray());
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }

    private Application.Errors.UpstreamException NotServed(string model) =>
        new(ErrorKind.UpstreamRejected, Name, $"The demo provider has no model '{model}': it offers demo/{EmbeddingModel} and demo/{ImageModel}.");
}
