using System.Text;

namespace AigneHub.UnitTests.Providers.ServerSentEvents;

/// <summary>
/// A read-only stream that hands out its bytes in fixed pieces, one piece per read and never synchronously, the way
/// a network stream delivers a body in packets. Optionally it never ends once its bytes are read.
/// </summary>
internal sealed class ChunkedReadStream : Stream
{
    private readonly Queue<byte[]> _pieces;
    private readonly bool _hangAtEnd;
    private byte[]? _current;
    private int _offset;

    public ChunkedReadStream(IEnumerable<byte[]> pieces, bool hangAtEnd = false)
    {
        _pieces = new Queue<byte[]>(pieces);
        _hangAtEnd = hangAtEnd;
    }

    public bool IsDisposed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/> in pieces of <paramref name="chunkSize"/> bytes.</summary>
    public static ChunkedReadStream Split(string text, int chunkSize, bool hangAtEnd = false) => Split(Encoding.UTF8.GetBytes(text), chunkSize, hangAtEnd);

    public static ChunkedReadStream Split(byte[] bytes, int chunkSize, bool hangAtEnd = false) =>
        new(bytes.Chunk(chunkSize), hangAtEnd);

    /// <summary>Each string is one read.</summary>
    public static ChunkedReadStream Pieces(params string[] pieces) => new(pieces.Select(Encoding.UTF8.GetBytes));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        while (_current is null || _offset == _current.Length)
        {
            if (!_pieces.TryDequeue(out _current))
            {
                if (_hangAtEnd)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                }

                return 0;
            }

            _offset = 0;
        }

        var count = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsSpan(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        IsDisposed = true;
        base.Dispose(disposing);
    }
}
