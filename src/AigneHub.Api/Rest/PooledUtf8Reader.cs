namespace AigneHub.Api.Rest;

/// <summary>
/// A request body's UTF-8 bytes decoded once into a pooled character buffer and read as a <see cref="TextReader"/>,
/// for parsers that take one (<c>Google.Protobuf</c>'s <c>JsonParser</c>). A <see cref="StreamReader"/> allocates a
/// 4 KB byte buffer and an 8 KB character buffer per body; this allocates neither, and no string of the whole body.
/// The decoding is strict: bytes that are not UTF-8 throw <see cref="DecoderFallbackException"/> from the constructor,
/// never read as replacement characters. Only the characters of this body are ever read; the buffer is cleared and
/// returned to the pool on <see cref="TextReader.Dispose()"/>.
/// </summary>
internal sealed class PooledUtf8Reader : TextReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private char[]? _chars;
    private readonly int _length;
    private int _position;

    public PooledUtf8Reader(ReadOnlySpan<byte> utf8)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, StrictUtf8.GetMaxCharCount(utf8.Length)));
        try
        {
            _length = StrictUtf8.GetChars(utf8, chars);
        }
        catch
        {
            ArrayPool<char>.Shared.Return(chars, clearArray: true);
            throw;
        }

        _chars = chars;
    }

    public override int Peek() => _position < _length ? Chars[_position] : -1;

    public override int Read() => _position < _length ? Chars[_position++] : -1;

    public override int Read(char[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Read(buffer.AsSpan(index, count));
    }

    public override int Read(Span<char> buffer)
    {
        var count = Math.Min(buffer.Length, _length - _position);
        Chars.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override string ReadToEnd()
    {
        var rest = new string(Chars, _position, _length - _position);
        _position = _length;
        return rest;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _chars is { } chars)
        {
            _chars = null;
            // Cleared: the next renter must never see this body's text, not even beyond its own length.
            chars.AsSpan(0, _length).Clear();
            ArrayPool<char>.Shared.Return(chars);
        }

        base.Dispose(disposing);
    }

    private char[] Chars => _chars ?? throw new ObjectDisposedException(nameof(PooledUtf8Reader));
}
